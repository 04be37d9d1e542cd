import type { EntityClass } from '@mikro-orm/core';
import type { NonEmptyArray } from 'type-graphql';
import type { RouteRegistrar } from '../core/http';
import type { Services } from '../services';
import { AuditEntryRecord } from '../core/events/audit.entity';
import { TokenEventRecord } from '../core/events/event.entity';
import { CoreTablesMigration } from '../core/db/core.migration';
import { RetentionMigration } from '../core/db/retention.migration';
import { EventRetentionRecord } from '../core/events/retention.entity';
import { EvictionRecord } from '../core/events/eviction.entity';
import { EvictionsMigration } from '../core/db/evictions.migration';
import type { MigrationEntry } from '../core/db/migration';
import { TokenRecord, TokenSecret } from '../core/tokens/token.entity';
import { NoticeResolver, TokenEventFieldsResolver } from '../notices';
import { VerifyResolver } from '../verify';
import { AuditResolver } from './audit';
import { LeakResolver, registerLeakRoutes } from './leaks';
import { App, AppResolver, AppsRoleMigration, AppsTablesMigration, appNodes, oauthRoutes } from './apps';
import {
  Assignment,
  AssignmentResolver,
  Endpoint,
  EndpointCall,
  EndpointPrimaryToken,
  EndpointResolver,
  endpointRoutes,
  EndpointsTablesMigration,
  EndpointPathsMigration,
  EndpointTokenResolver,
  endpointNodes,
} from './endpoints';
import { PersonalAccessTokenResolver, personalAccessTokenNodes } from './personal-access-tokens';
import { BootstrapValue, BootstrapValuesMigration, Tenant, User, UserResolver, UsersTablesMigration, userNodes } from './users';
import {
  Workflow,
  WorkflowInstance,
  WorkflowInstanceResolver,
  WorkflowResolver,
  workflowRoutes,
  WorkflowsTablesMigration,
  WorkflowTokenResolver,
  workflowNodes,
} from './workflows';
import { OAuthProvider, OAuthRepairMigration, OAuthResolver, OAuthTablesMigration, OAuthToken, oauthCallbackRoutes, oauthNodes } from './oauth';
import { NodeResolver } from './nodes';
import type { NodeSource } from '../core/graphql/node';
import type { Context } from '../context';

/**
 * Every module's parts, in one list each. A new module adds its entities, its migrations
 * (names sort in the order they must run) and its resolvers here.
 */
export const entities: EntityClass<unknown>[] = [
  TokenRecord,
  TokenSecret,
  TokenEventRecord,
  EventRetentionRecord,
  EvictionRecord,
  AuditEntryRecord,
  Tenant,
  User,
  BootstrapValue,
  Workflow,
  WorkflowInstance,
  App,
  Endpoint,
  EndpointPrimaryToken,
  Assignment,
  EndpointCall,
  OAuthProvider,
  OAuthToken,
];

export const migrations: MigrationEntry[] = [
  { name: '20261122000001_core', class: CoreTablesMigration },
  { name: '20261122000002_users', class: UsersTablesMigration },
  { name: '20261122000010_workflows', class: WorkflowsTablesMigration },
  { name: '20261122000020_apps', class: AppsTablesMigration },
  { name: '20261122000030_endpoints', class: EndpointsTablesMigration },
  { name: '20261122000040_oauth', class: OAuthTablesMigration },
  { name: '20261202000001_retention', class: RetentionMigration },
  { name: '20261204000001_evictions', class: EvictionsMigration },
  { name: '20261204000010_bootstrap_values', class: BootstrapValuesMigration },
  { name: '20261204000020_apps_role', class: AppsRoleMigration },
  { name: '20261204000030_endpoint_paths', class: EndpointPathsMigration },
  { name: '20261205000010_oauth_repair', class: OAuthRepairMigration },
];

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const resolvers: NonEmptyArray<Function> = [
  UserResolver,
  PersonalAccessTokenResolver,
  AuditResolver,
  NoticeResolver,
  TokenEventFieldsResolver,
  VerifyResolver,
  LeakResolver,
  WorkflowResolver,
  WorkflowTokenResolver,
  WorkflowInstanceResolver,
  AppResolver,
  EndpointResolver,
  EndpointTokenResolver,
  AssignmentResolver,
  OAuthResolver,
  NodeResolver,
];

/** What `node(id:)` can load, by id prefix: each module declares its own types and who may read them. */
export const nodeSources: NodeSource<Context>[] = [...personalAccessTokenNodes, ...workflowNodes, ...endpointNodes, ...oauthNodes, ...appNodes, ...userNodes];

/** REST routes beside the GraphQL API (`/oauth/token`, ingress, …; `POST /v1/verify` is served ahead of Express). */
export const routes: RouteRegistrar<Services>[] = [registerLeakRoutes, workflowRoutes, oauthRoutes, oauthCallbackRoutes, endpointRoutes];
