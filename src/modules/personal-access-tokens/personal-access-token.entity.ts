import { Entity, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * A tenant's policy for personal access tokens (administrators set it; a tenant without a row
 * has the defaults). The longest lifetime stays on the tenant (`Tenant.maxTokenLifetimeDays`).
 */
@Entity({ tableName: 'pat_policies' })
export class PatPolicy {
  [OptionalProps]?: 'updatedById';

  @PrimaryKey({ type: 'string' })
  tenantId!: string;

  /** The TokenDuration a new token gets when none is chosen. */
  @Property({ type: 'string' })
  defaultDuration!: string;

  /** The TokenDurations offered, comma-separated. */
  @Property({ type: 'text' })
  allowedDurations!: string;

  /** Whether a token may be made without an end (NEVER). */
  @Property({ type: 'boolean' })
  allowNonExpiring!: boolean;

  @Property({ type: 'datetime' })
  updatedAt!: Date;

  @Property({ type: 'string', nullable: true })
  updatedById?: string | null;
}

/** What a personal access token was made with: its duration (kept for rotation) and its scopes. */
@Entity({ tableName: 'pat_settings' })
export class PatSettings {
  [OptionalProps]?: 'lifetimeSeconds' | 'scopes';

  @PrimaryKey({ type: 'string' })
  tokenId!: string;

  /** The TokenDuration chosen. */
  @Property({ type: 'string' })
  duration!: string;

  /** The length of a CUSTOM term, for rotation; null otherwise. */
  @Property({ type: 'integer', nullable: true })
  lifetimeSeconds?: number | null;

  /** TokenScopes, comma-separated; null: all the owner's role allows. */
  @Property({ type: 'string', nullable: true })
  scopes?: string | null;
}
