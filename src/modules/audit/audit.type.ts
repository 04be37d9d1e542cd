import { Field, ID, ObjectType } from 'type-graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import { ConnectionType } from '../../core/graphql/connection';
import type { AuditEntryRecord } from '../../core/events/audit.entity';

@ObjectType('AuditEntry', { description: 'One change (or sensitive read): who did what to what, when.' })
export class AuditEntryType {
  @Field(() => ID, { description: 'Entry id (`aud_…`).' })
  id!: string;

  @Field(() => String, { description: '`<noun>.<verb>`, e.g. `personal_access_token.revoked`.' })
  action!: string;

  @Field(() => String, { description: '`user`, `app` or `system`.' })
  actorType!: string;

  @Field(() => ID, { nullable: true, description: 'The user or app that acted.' })
  actorId!: string | null;

  @Field(() => String, { nullable: true, description: 'Their display name at the time.' })
  actorName!: string | null;

  @Field(() => String, { description: 'What was acted on: a token kind or a record type.' })
  targetType!: string;

  @Field(() => ID, { nullable: true, description: 'Its id.' })
  targetId!: string | null;

  @Field(() => String, { nullable: true, description: 'Its name at the time.' })
  targetName!: string | null;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Further facts (never a secret).' })
  detail!: Record<string, unknown> | null;

  @Field(() => String, { nullable: true, description: 'The request the change was made in.' })
  requestId!: string | null;

  @Field(() => Date, { description: 'When.' })
  occurredAt!: Date;

  static from(entry: AuditEntryRecord): AuditEntryType {
    return Object.assign(new AuditEntryType(), {
      id: entry.id,
      action: entry.action,
      actorType: entry.actorType,
      actorId: entry.actorId ?? null,
      actorName: entry.actorName ?? null,
      targetType: entry.targetType,
      targetId: entry.targetId ?? null,
      targetName: entry.targetName ?? null,
      detail: entry.detail ?? null,
      requestId: entry.requestId ?? null,
      occurredAt: entry.occurredAt,
    });
  }
}

export const AuditEntryConnection = ConnectionType(AuditEntryType, 'AuditEntry', 'audit entry');
