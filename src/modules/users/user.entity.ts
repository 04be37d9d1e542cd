import { Entity, Index, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import type { Role } from '../../core/tokens/token-kind';

/** An organisation: every record belongs to exactly one, and nothing crosses between them. */
@Entity({ tableName: 'tenants' })
export class Tenant {
  [OptionalProps]?: 'maxTokenLifetimeDays';

  @PrimaryKey({ type: 'string' })
  id!: string;

  @Property({ type: 'string' })
  name!: string;

  /** The longest life a personal access token may be given here. */
  @Property({ type: 'integer' })
  maxTokenLifetimeDays: number = 366;

  @Property({ type: 'datetime' })
  createdAt!: Date;
}

/** A person who signs in with personal access tokens. */
@Entity({ tableName: 'users' })
@Unique({ properties: ['tenantId', 'email'] })
@Index({ properties: ['tenantId'] })
export class User {
  [OptionalProps]?: 'deactivatedAt';

  @PrimaryKey({ type: 'string' })
  id!: string;

  @Property({ type: 'string' })
  tenantId!: string;

  @Property({ type: 'string' })
  email!: string;

  @Property({ type: 'string' })
  name!: string;

  @Property({ type: 'string' })
  role!: Role;

  @Property({ type: 'datetime' })
  createdAt!: Date;

  @Property({ type: 'datetime' })
  updatedAt!: Date;

  /** When an administrator deactivated the person: none of their tokens works until reactivated. */
  @Property({ type: 'datetime', nullable: true })
  deactivatedAt?: Date | null;
}

/**
 * Every value ever issued as a bootstrap administrator token, by its keyed lookup hash (never
 * the value). Kept apart from tokens so that revoking, regenerating or deleting the token leaves
 * it: a value recorded here is never issued again (see `UserService.bootstrap`).
 */
@Entity({ tableName: 'bootstrap_values' })
export class BootstrapValue {
  [OptionalProps]?: 'retiredAt';

  /** HMAC-SHA-256 of the value under the server key, as `token_secrets.hash`. */
  @PrimaryKey({ type: 'string' })
  lookupHash!: string;

  @Property({ type: 'datetime' })
  issuedAt!: Date;

  /** When a start first found the value no longer valid (revoked, deleted, expired, replaced). */
  @Property({ type: 'datetime', nullable: true })
  retiredAt?: Date | null;
}

declare module '../../core/ids' {
  /** The ids this module makes. */
  interface IdPrefixes {
    usr: 'a user';
    ten: 'a tenant';
  }
}
