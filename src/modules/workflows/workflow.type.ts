import type { WarningWindows } from '../../core/tokens/token-status';
import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, ObjectType } from 'type-graphql';
import { ConnectionType } from '../../core/graphql/connection';
import { TokenFields, tokenFields } from '../../core/graphql/token-base.type';
import type { ListedToken, TokenRecord } from '../../core/tokens/token.entity';
import { WorkflowStartEvent, type Workflow, type WorkflowInstance } from './workflow.entity';
import { Node } from '../../core/graphql/node';

/** What the list of workflow tokens reads of each (and so selects). */
export type ListedWorkflowToken = ListedToken & Pick<TokenRecord, 'subjectId'>;

@ObjectType('Workflow', { implements: Node, description: 'A published workflow. A COMPONENT workflow has one current token that starts it from outside.' })
export class WorkflowType {
  @Field(() => ID, { description: 'Workflow id (`wfl_…`).' })
  id!: string;

  @Field(() => String, { description: 'The name, unique in the tenant.' })
  name!: string;

  @Field(() => WorkflowStartEvent, { description: 'How it starts.' })
  startEvent!: WorkflowStartEvent;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'The JSON Schema an external start body must satisfy; null accepts any JSON object.' })
  requestSchema!: Record<string, unknown> | null;

  @Field(() => ID, { nullable: true, description: 'The user or app that first published it.' })
  createdById!: string | null;

  @Field(() => Date, { description: 'When it was first published.' })
  createdAt!: Date;

  @Field(() => Date, { description: 'When it was last (re)published.' })
  updatedAt!: Date;

  /** The entity, for field resolvers. */
  record!: Workflow;

  static from(workflow: Workflow): WorkflowType {
    return Object.assign(new WorkflowType(), {
      id: workflow.id,
      name: workflow.name,
      startEvent: workflow.startEvent,
      requestSchema: workflow.requestSchema ?? null,
      createdById: workflow.createdById ?? null,
      createdAt: workflow.createdAt,
      updatedAt: workflow.updatedAt,
      record: workflow,
    });
  }
}

@ObjectType('WorkflowToken', {
  implements: Node,
  description:
    'The token that starts a component workflow from outside. Lives a year; refresh keeps the value, regenerate replaces it with a 24-hour grace for the old one.',
})
export class WorkflowTokenType extends TokenFields {
  @Field(() => ID, { description: 'The workflow it starts.' })
  workflowId!: string;

  static from(record: ListedWorkflowToken, now: Date, windows: WarningWindows): WorkflowTokenType {
    return Object.assign(new WorkflowTokenType(), tokenFields(record, now, windows), { workflowId: record.subjectId ?? '' });
  }
}

@ObjectType('HttpHeader', { description: 'One HTTP request header.' })
export class HttpHeaderType {
  @Field(() => String, { description: 'Header name.' })
  name!: string;

  @Field(() => String, { description: 'Header value.' })
  value!: string;
}

@ObjectType('WorkflowApiEndpoint', {
  description: 'How to start a workflow from outside, ready to paste into curl. Unless revealed, the token is shown as the placeholder `<workflow-token>`.',
})
export class WorkflowApiEndpointType {
  @Field(() => String, { description: 'The start URL: POST a JSON body here with the token in the X-Tessera-Token header.' })
  url!: string;

  @Field(() => String, { description: 'The start URL carrying the token as `?token=`, for callers that cannot set headers.' })
  urlWithToken!: string;

  @Field(() => String, { nullable: true, description: 'The token value: only when revealed (administrators and automation administrators; audited).' })
  token!: string | null;

  @Field(() => [HttpHeaderType], { description: 'The headers to send.' })
  requestHeaders!: HttpHeaderType[];

  @Field(() => String, { description: "A JSON example of the request body, from the workflow's request schema." })
  requestBody!: string;

  @Field(() => String, { description: 'A ready curl command.' })
  curl!: string;
}

@ObjectType('WorkflowInstance', { description: 'One run of a workflow started from outside.' })
export class WorkflowInstanceType {
  @Field(() => ID, { description: 'Instance id (`wfi_…`).' })
  id!: string;

  @Field(() => ID, { description: 'The workflow started.' })
  workflowId!: string;

  @Field(() => ID, { nullable: true, description: 'The token that started it: the workflow token, or the personal access / app access token of the caller.' })
  tokenId!: string | null;

  @Field(() => String, { description: 'What started it: `workflow_token`, `user` or `app`.' })
  startedByType!: string;

  @Field(() => ID, { nullable: true, description: 'The user or app that started it, when started with Authorization: Bearer.' })
  startedById!: string | null;

  @Field(() => GraphQLJSONObject, { description: 'The JSON body it was started with.' })
  body!: Record<string, unknown>;

  @Field(() => Date, { description: 'When it was started.' })
  createdAt!: Date;

  static from(instance: WorkflowInstance): WorkflowInstanceType {
    return Object.assign(new WorkflowInstanceType(), {
      id: instance.id,
      workflowId: instance.workflowId,
      tokenId: instance.tokenId ?? null,
      startedByType: instance.startedByType,
      startedById: instance.startedById ?? null,
      body: instance.body,
      createdAt: instance.createdAt,
    });
  }
}

export const WorkflowConnection = ConnectionType(WorkflowType, 'Workflow', 'workflow');
export const WorkflowTokenConnection = ConnectionType(WorkflowTokenType, 'WorkflowToken', 'workflow token');
export const WorkflowInstanceConnection = ConnectionType(WorkflowInstanceType, 'WorkflowInstance', 'workflow instance');

@ObjectType('PublishWorkflowPayload', { description: 'The published workflow and its token.' })
export class PublishWorkflowPayload {
  @Field(() => WorkflowType, { description: 'The workflow.' })
  workflow!: WorkflowType;

  @Field(() => WorkflowTokenType, { nullable: true, description: 'Its current token (kept on a republish); null for a STANDARD workflow.' })
  token!: WorkflowTokenType | null;

  @Field(() => String, {
    nullable: true,
    description: 'The token value when this publish created the token. Shown once here (administrators can reveal it in apiEndpoint).',
  })
  secret!: string | null;
}

@ObjectType('RegenerateWorkflowTokenPayload', { description: 'The token with its new value.' })
export class RegenerateWorkflowTokenPayload {
  @Field(() => WorkflowTokenType, { description: 'The token.' })
  token!: WorkflowTokenType;

  @Field(() => String, { description: 'The new value.' })
  secret!: string;

  @Field(() => Date, {
    nullable: true,
    description: 'When the previous value stops working; null when it stopped at once (it was revoked or expired, or there was none).',
  })
  graceEndsAt!: Date | null;
}
