import { Entity, Index, OptionalProps, PrimaryKey, Property, type EntityManager } from '@mikro-orm/core';

/** What happened to a token. */
export enum TokenEventType {
  CREATED = 'CREATED',
  REFRESHED = 'REFRESHED',
  REGENERATED = 'REGENERATED',
  REVOKED = 'REVOKED',
  DELETED = 'DELETED',
  DISABLED = 'DISABLED',
  ENABLED = 'ENABLED',
  ASSIGNED = 'ASSIGNED',
  UNASSIGNED = 'UNASSIGNED',
  EXPIRING_SOON = 'EXPIRING_SOON',
  EXPIRED = 'EXPIRED',
  REFRESH_FAILED = 'REFRESH_FAILED',
  RECOVERED = 'RECOVERED',
}

/** Extra facts an event may carry; never a secret. */
export interface TokenEventData {
  thresholdDays?: number;
  secondsLeft?: number;
  graceEndsAt?: string;
  reason?: string;
  method?: string;
  detail?: string;
}

/**
 * The outbox: a token event, written in the same transaction as the change it describes. Its id
 * is a database sequence whose values commit in order (see `outbox.ts`), so "everything after
 * id N" is a complete answer: replay, relay and history all read this table.
 */
@Entity({ tableName: 'token_events' })
@Index({ properties: ['tenantId', 'id'] })
@Index({ properties: ['tokenId'] })
export class TokenEventRecord {
  [OptionalProps]?: 'id' | 'tokenExpiresAt' | 'subjectType' | 'subjectId' | 'ownerId' | 'actorId' | 'actorName' | 'data';

  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Property({ type: 'string' })
  tenantId!: string;

  @Property({ type: 'string' })
  type!: TokenEventType;

  @Property({ type: 'string' })
  tokenId!: string;

  @Property({ type: 'string' })
  tokenKind!: string;

  @Property({ type: 'string' })
  tokenName!: string;

  @Property({ type: 'string' })
  tokenStatus!: string;

  @Property({ type: 'datetime', nullable: true })
  tokenExpiresAt?: Date | null;

  @Property({ type: 'string', nullable: true })
  subjectType?: string | null;

  @Property({ type: 'string', nullable: true })
  subjectId?: string | null;

  @Property({ type: 'string', nullable: true })
  ownerId?: string | null;

  /** The lowest role rank that sees this event (the owner always does). */
  @Property({ type: 'integer' })
  audienceRank!: number;

  /** `user`, `app` or `system`. */
  @Property({ type: 'string' })
  actorType!: string;

  @Property({ type: 'string', nullable: true })
  actorId?: string | null;

  @Property({ type: 'string', nullable: true })
  actorName?: string | null;

  @Property({ type: 'datetime' })
  occurredAt!: Date;

  @Property({ type: 'json', nullable: true })
  data?: TokenEventData | null;
}

/** The id of the newest stored event ('0' when there is none): where a reader of only what follows starts. */
export async function newestEventId(em: EntityManager): Promise<string> {
  const [newest] = await em.find(TokenEventRecord, {}, { orderBy: { id: 'desc' }, limit: 1, fields: ['id'] });
  return newest ? String(newest.id) : '0';
}
