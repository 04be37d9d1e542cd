import { Entity, Index, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';

/** Where a delivery stands. */
export enum DeliveryStatus {
  PENDING = 'PENDING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
}

/**
 * An HTTP receiver of a tenant's token events (Standard Webhooks). Its signing secret is kept
 * encrypted; after a rotation the previous one also signs until `previousSecretUntil`.
 */
@Entity({ tableName: 'webhook_endpoints' })
@Index({ properties: ['tenantId', 'id'] })
export class WebhookEndpoint {
  [OptionalProps]?: 'description' | 'eventTypes' | 'previousSecretSealed' | 'previousSecretUntil' | 'failingSince' | 'disabledReason' | 'createdById';

  @PrimaryKey({ type: 'string' })
  id!: string;

  @Property({ type: 'string' })
  tenantId!: string;

  @Property({ type: 'text' })
  url!: string;

  @Property({ type: 'text', nullable: true })
  description?: string | null;

  /** The event types it receives, comma-separated; null: every type. */
  @Property({ type: 'text', nullable: true })
  eventTypes?: string | null;

  @Property({ type: 'boolean' })
  enabled!: boolean;

  /** The newest event when it was made: it receives only the events after this one. */
  @Property({ type: 'bigint' })
  sinceEventId!: string;

  /** Why it was switched off by Tessera (`FAILING`), null when an administrator did it or it is on. */
  @Property({ type: 'string', nullable: true })
  disabledReason?: string | null;

  @Property({ type: 'text' })
  secretSealed!: string;

  @Property({ type: 'text', nullable: true })
  previousSecretSealed?: string | null;

  @Property({ type: 'datetime', nullable: true })
  previousSecretUntil?: Date | null;

  /** Since when every attempt has failed; null after a success. */
  @Property({ type: 'datetime', nullable: true })
  failingSince?: Date | null;

  @Property({ type: 'string', nullable: true })
  createdById?: string | null;

  @Property({ type: 'datetime' })
  createdAt!: Date;

  @Property({ type: 'datetime' })
  updatedAt!: Date;
}

/** One event for one endpoint: claimed by one instance per attempt, retried until 2xx or FAILED. */
@Entity({ tableName: 'webhook_deliveries' })
@Unique({ properties: ['endpointId', 'eventId'] })
@Index({ properties: ['status', 'nextAttemptAt'] })
@Index({ properties: ['endpointId', 'id'] })
export class WebhookDelivery {
  [OptionalProps]?: 'attempts' | 'nextAttemptAt' | 'claimedUntil' | 'claimToken' | 'lastStatusCode' | 'lastError' | 'lastResponse' | 'deliveredAt';

  @PrimaryKey({ type: 'string' })
  id!: string;

  @Property({ type: 'string' })
  tenantId!: string;

  @Property({ type: 'string' })
  endpointId!: string;

  @Property({ type: 'bigint' })
  eventId!: string;

  @Property({ type: 'string' })
  eventType!: string;

  @Property({ type: 'string' })
  status!: DeliveryStatus;

  @Property({ type: 'integer' })
  attempts: number = 0;

  @Property({ type: 'datetime', nullable: true })
  nextAttemptAt?: Date | null;

  /** The lease of the instance sending it now; an expired lease is taken over. */
  @Property({ type: 'datetime', nullable: true })
  claimedUntil?: Date | null;

  /** Which claim holds it: the round that set it reads back exactly the deliveries it won. */
  @Property({ type: 'string', nullable: true })
  claimToken?: string | null;

  @Property({ type: 'integer', nullable: true })
  lastStatusCode?: number | null;

  @Property({ type: 'text', nullable: true })
  lastError?: string | null;

  /** The first bytes of the receiver's last answer (at most 256 characters). */
  @Property({ type: 'text', nullable: true })
  lastResponse?: string | null;

  @Property({ type: 'datetime', nullable: true })
  deliveredAt?: Date | null;

  @Property({ type: 'datetime' })
  createdAt!: Date;

  @Property({ type: 'datetime' })
  updatedAt!: Date;
}

/** How far the event history has been turned into deliveries (one row). */
@Entity({ tableName: 'webhook_cursor' })
export class WebhookCursor {
  @PrimaryKey({ type: 'integer' })
  id!: number;

  @Property({ type: 'bigint' })
  lastEventId!: string;
}

declare module '../../core/ids' {
  /** The ids this module makes. */
  interface IdPrefixes {
    whe: 'a webhook endpoint';
    whd: 'a webhook delivery';
  }
}
