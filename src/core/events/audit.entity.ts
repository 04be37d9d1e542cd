import { Entity, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

/** One line of the audit log: who did what to what, when. */
@Entity({ tableName: 'audit_entries' })
@Index({ properties: ['tenantId', 'id'] })
export class AuditEntryRecord {
  [OptionalProps]?: 'actorId' | 'actorName' | 'targetId' | 'targetName' | 'detail' | 'requestId';

  @PrimaryKey({ type: 'string' })
  id!: string;

  @Property({ type: 'string' })
  tenantId!: string;

  @Property({ type: 'string' })
  actorType!: string;

  @Property({ type: 'string', nullable: true })
  actorId?: string | null;

  @Property({ type: 'string', nullable: true })
  actorName?: string | null;

  /** `<noun>.<verb>`, e.g. `personal_access_token.revoke`. */
  @Property({ type: 'string' })
  action!: string;

  @Property({ type: 'string' })
  targetType!: string;

  @Property({ type: 'string', nullable: true })
  targetId?: string | null;

  @Property({ type: 'string', nullable: true })
  targetName?: string | null;

  @Property({ type: 'json', nullable: true })
  detail?: Record<string, unknown> | null;

  @Property({ type: 'string', nullable: true })
  requestId?: string | null;

  @Property({ type: 'datetime' })
  occurredAt!: Date;
}
