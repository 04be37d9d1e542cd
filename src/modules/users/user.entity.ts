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
}
