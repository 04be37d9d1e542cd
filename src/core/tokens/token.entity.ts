import { Entity, Index, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import type { TokenKind } from './token-kind';

/**
 * One row per token of any kind: the shape every kind fills in, so lifecycle, expiry notices,
 * verification and last-used stamps are written once. Kind-specific data lives in the kind's
 * own tables, which point here.
 */
@Entity({ tableName: 'tokens' })
@Index({ properties: ['nextNoticeAt'] })
@Index({ properties: ['tenantId', 'kind', 'ownerId'] })
@Index({ properties: ['subjectId'] })
@Index({ properties: ['tenantId', 'kind', 'expiringAt'] })
export class TokenRecord {
  [OptionalProps]?:
    | 'description'
    | 'ownerId'
    | 'subjectType'
    | 'subjectId'
    | 'expiresAt'
    | 'revokedAt'
    | 'disabledAt'
    | 'lastUsedAt'
    | 'createdById'
    | 'nextNoticeAt'
    | 'noticedThresholdDays'
    | 'expiringAt';

  @PrimaryKey({ type: 'string' })
  id!: string;

  @Property({ type: 'string' })
  tenantId!: string;

  @Property({ type: 'string' })
  kind!: TokenKind;

  @Property({ type: 'string' })
  name!: string;

  @Property({ type: 'text', nullable: true })
  description?: string | null;

  /** The first characters of the current value, for display. */
  @Property({ type: 'string' })
  start!: string;

  /** The user (or app) the token acts for. */
  @Property({ type: 'string', nullable: true })
  ownerId?: string | null;

  /** What the token opens: `workflow`, `endpoint`, `app`, `provider`. */
  @Property({ type: 'string', nullable: true })
  subjectType?: string | null;

  @Property({ type: 'string', nullable: true })
  subjectId?: string | null;

  @Property({ type: 'datetime', nullable: true })
  expiresAt?: Date | null;

  @Property({ type: 'datetime', nullable: true })
  revokedAt?: Date | null;

  /** Set while the token is switched off (it may be switched on again, unlike revocation). */
  @Property({ type: 'datetime', nullable: true })
  disabledAt?: Date | null;

  @Property({ type: 'datetime', nullable: true })
  lastUsedAt?: Date | null;

  @Property({ type: 'string', nullable: true })
  createdById?: string | null;

  @Property({ type: 'datetime' })
  createdAt!: Date;

  @Property({ type: 'datetime' })
  updatedAt!: Date;

  /** When the expiry sweep must next look at this token; null when no notice is due. */
  @Property({ type: 'datetime', nullable: true })
  nextNoticeAt?: Date | null;

  /** The smallest warning threshold (days) already notified, if any. */
  @Property({ type: 'integer', nullable: true })
  noticedThresholdDays?: number | null;

  /**
   * When the token turns EXPIRING: its end less the warning window that fits its current term
   * (see `termThresholds`), set at each term start; equal to `expiresAt` when no window fits.
   * Null for a token without an end, and for tokens from before windows scaled with the term
   * (their kind's window applies).
   */
  @Property({ type: 'datetime', nullable: true })
  expiringAt?: Date | null;
}

/**
 * A value that opens a token, found by its keyed hash. A token has one current value and, after
 * a regeneration or rotation, earlier ones that keep working until `validUntil`.
 */
@Entity({ tableName: 'token_secrets' })
export class TokenSecret {
  [OptionalProps]?: 'validUntil' | 'ciphertext';

  /** HMAC-SHA-256 of the value under the server key. */
  @PrimaryKey({ type: 'string' })
  hash!: string;

  @ManyToOne(() => TokenRecord, { deleteRule: 'cascade', index: true })
  token!: TokenRecord;

  /** The end of a grace period for a replaced value; null for the current value. */
  @Property({ type: 'datetime', nullable: true })
  validUntil?: Date | null;

  /** AES-256-GCM ciphertext of the value, for kinds whose value can be revealed again. */
  @Property({ type: 'text', nullable: true })
  ciphertext?: string | null;

  @Property({ type: 'datetime' })
  createdAt!: Date;
}

/**
 * The token properties every kind's GraphQL type shows (`tokenFields`): what token lists select
 * (`paginate`'s `fields`), so a list reads no column it does not show.
 */
export const TOKEN_FIELD_PROPERTIES = [
  'id',
  'kind',
  'name',
  'description',
  'start',
  'expiresAt',
  'expiringAt',
  'revokedAt',
  'lastUsedAt',
  'createdAt',
  'createdById',
] as const satisfies readonly (keyof TokenRecord)[];

/** A token record as lists read it: only {@link TOKEN_FIELD_PROPERTIES}. */
export type ListedToken = Pick<TokenRecord, (typeof TOKEN_FIELD_PROPERTIES)[number]>;
