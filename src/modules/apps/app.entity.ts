import { Entity, Index, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { Role, roleRank } from '../../core/tokens/token-kind';

/** Whether an app may obtain and use access tokens. */
export enum AppStatus {
  ACTIVE = 'ACTIVE',
  DISABLED = 'DISABLED',
}

/**
 * The most an app may act with: an automation administrator (every workflow, instance and token
 * of its tenant). No app is ever an administrator: apps never manage users, apps or endpoints.
 */
export const APP_ROLE_CEILING = Role.AUTOMATION_ADMIN;

/** The roles an app may be given, most powerful first. */
export const APP_ROLES: readonly Role[] = [Role.AUTOMATION_ADMIN, Role.DEVELOPER, Role.MEMBER];

/** The less powerful of two roles. */
export function lesserRole(a: Role, b: Role): Role {
  return roleRank[a] <= roleRank[b] ? a : b;
}

/**
 * The highest role a user of role `creator` may give an app: their own, capped by
 * {@link APP_ROLE_CEILING} (an administrator's app acts across the tenant as an automation
 * administrator, as before roles per app).
 */
export function highestAppRoleFor(creator: Role): Role {
  return lesserRole(creator, APP_ROLE_CEILING);
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

  /**
   * What its access tokens act as, chosen at creation and never above its creator's role then.
   * At authentication the creator's current role caps it again (see the APP_ACCESS verifier).
   */
  @Property({ type: 'string' })
  role!: Role;

  @Property({ type: 'string', nullable: true })
  createdById?: string | null;

  @Property({ type: 'datetime' })
  createdAt!: Date;

  @Property({ type: 'datetime' })
  updatedAt!: Date;
}

declare module '../../core/ids' {
  /** The ids this module makes. */
  interface IdPrefixes {
    app: 'an app';
    aps: "an app's client secret";
    apt: 'an app access token';
  }
}
