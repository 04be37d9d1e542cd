import { Entity, Index, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';

/** Whether an app may obtain and use access tokens. */
export enum AppStatus {
  ACTIVE = 'ACTIVE',
  DISABLED = 'DISABLED',
}

/** The lifetime of an app's access tokens when none is given: one hour. */
export const DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS = 3600;

/**
 * A machine client of the API. It authenticates at `POST /oauth/token` with its public client id
 * and its client secret (a token of kind APP_SECRET) and receives short-lived access tokens (kind
 * APP_ACCESS). Both kinds point here by `subjectId` and `ownerId`, so evicting the app's id evicts
 * every cached verification of its tokens at once.
 */
@Entity({ tableName: 'apps' })
@Index({ properties: ['tenantId'] })
export class App {
  [OptionalProps]?: 'description' | 'status' | 'accessTokenLifetimeSeconds' | 'createdById';

  @PrimaryKey({ type: 'string' })
  id!: string;

  @Property({ type: 'string' })
  tenantId!: string;

  @Property({ type: 'string' })
  name!: string;

  @Property({ type: 'text', nullable: true })
  description?: string | null;

  /** Public identifier the app presents with its secret (`tca_…`); unique across tenants. */
  @Property({ type: 'string' })
  @Unique()
  clientId!: string;

  @Property({ type: 'string' })
  status: AppStatus = AppStatus.ACTIVE;

  @Property({ type: 'integer' })
  accessTokenLifetimeSeconds: number = DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS;

  @Property({ type: 'string', nullable: true })
  createdById?: string | null;

  @Property({ type: 'datetime' })
  createdAt!: Date;

  @Property({ type: 'datetime' })
  updatedAt!: Date;
}
