import { IsOptional } from 'class-validator';
import { GraphQLJSONObject } from 'graphql-scalars';
import { ArgsType, Field, ID, InputType, registerEnumType } from 'type-graphql';
import { PageArgs } from '../../core/graphql/connection';
import { TokenStatus } from '../../core/graphql/enums';
import { IsDisplayName } from '../../core/graphql/validation';
import { WorkflowStartEvent } from './workflow.entity';

registerEnumType(WorkflowStartEvent, {
  name: 'WorkflowStartEvent',
  description: 'How a workflow starts.',
  valuesConfig: {
    COMPONENT: { description: 'A component start event: started from outside with the workflow token (or by other workflows).' },
    STANDARD: { description: 'A standard start event: started only inside the platform; it has no token.' },
  },
});

@InputType({ description: 'A workflow to publish. Publishing a name that exists in your tenant republishes that workflow and keeps its token.' })
export class PublishWorkflowInput {
  @Field(() => String, { description: 'The workflow name, unique in the tenant, 1 to 100 characters.' })
  @IsDisplayName()
  name!: string;

  @Field(() => WorkflowStartEvent, { description: 'COMPONENT workflows get a token and can be started from outside.' })
  startEvent!: WorkflowStartEvent;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'A JSON Schema the body of an external start must satisfy; absent accepts any JSON object.' })
  @IsOptional()
  requestSchema?: Record<string, unknown> | null;
}

@InputType({ description: 'Which workflow tokens to list.' })
export class WorkflowTokenFilter {
  @Field(() => TokenStatus, { nullable: true, description: 'Only tokens in this state.' })
  @IsOptional()
  status?: TokenStatus | null;
}

@ArgsType()
export class WorkflowTokensArgs extends PageArgs {
  @Field(() => WorkflowTokenFilter, { nullable: true, description: 'Narrows the list.' })
  @IsOptional()
  filter?: WorkflowTokenFilter | null;
}

@ArgsType()
export class WorkflowInstancesArgs extends PageArgs {
  @Field(() => ID, { description: 'The workflow whose instances to list.' })
  workflowId!: string;
}
