import { Entity, Index, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';

/** How a workflow starts: a COMPONENT start event can be started from outside with its token. */
export enum WorkflowStartEvent {
  COMPONENT = 'COMPONENT',
  STANDARD = 'STANDARD',
}

/**
 * A published workflow. Its name is unique in its tenant: publishing the same name again
 * republishes it (same id, same token). A COMPONENT workflow has at most one token, a
 * TokenRecord of kind WORKFLOW whose subject is this workflow.
 */
@Entity({ tableName: 'workflows' })
@Unique({ properties: ['tenantId', 'name'] })
export class Workflow {
  [OptionalProps]?: 'requestSchema' | 'createdById';

  @PrimaryKey({ type: 'string' })
  id!: string;

  @Property({ type: 'string' })
  tenantId!: string;

  @Property({ type: 'string' })
  name!: string;

  @Property({ type: 'string' })
  startEvent!: WorkflowStartEvent;

  /** JSON Schema the body of an external start must satisfy; null accepts any JSON object. */
  @Property({ type: 'json', nullable: true })
  requestSchema?: Record<string, unknown> | null;

  @Property({ type: 'string', nullable: true })
  createdById?: string | null;

  @Property({ type: 'datetime' })
  createdAt!: Date;

  @Property({ type: 'datetime' })
  updatedAt!: Date;
}

/** One run of a workflow started from outside, with the body it was started with. */
@Entity({ tableName: 'workflow_instances' })
@Index({ properties: ['workflowId', 'id'] })
export class WorkflowInstance {
  [OptionalProps]?: 'tokenId' | 'startedById';

  @PrimaryKey({ type: 'string' })
  id!: string;

  @Property({ type: 'string' })
  tenantId!: string;

  @Property({ type: 'string' })
  workflowId!: string;

  /** The token that started it: the workflow's own token, or the PAT / app access token of a caller. */
  @Property({ type: 'string', nullable: true })
  tokenId?: string | null;

  /** `workflow_token`, `user` or `app`. */
  @Property({ type: 'string' })
  startedByType!: string;

  /** The user or app, when started with `Authorization: Bearer`. */
  @Property({ type: 'string', nullable: true })
  startedById?: string | null;

  @Property({ type: 'json' })
  body!: Record<string, unknown>;

  @Property({ type: 'datetime' })
  createdAt!: Date;
}

declare module '../../core/ids' {
  /** The ids this module makes. */
  interface IdPrefixes {
    wfl: 'a workflow';
    wfi: 'a workflow instance';
    wft: 'a workflow token';
  }
}
