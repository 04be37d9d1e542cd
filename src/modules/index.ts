import type { EntityClass } from '@mikro-orm/core';
import type { NonEmptyArray } from 'type-graphql';
import { CoreTablesMigration } from '../core/db/core.migration';
import { EvictionsMigration } from '../core/db/evictions.migration';
import { ExpiringAtMigration } from '../core/db/expiring.migration';
import type { MigrationEntry } from '../core/db/migration';
import { RetentionMigration } from '../core/db/retention.migration';
import { AuditEntryRecord } from '../core/events/audit.entity';
import { TokenEventRecord } from '../core/events/event.entity';
import { EvictionRecord } from '../core/events/eviction.entity';
import { EventRetentionRecord } from '../core/events/retention.entity';
import type { NodeSource } from '../core/graphql/node';
import type { RouteRegistrar } from '../core/http';
import type { TokenKindDefinition } from '../core/tokens/registry';
import { TokenRecord, TokenSecret } from '../core/tokens/token.entity';
import { NoticeResolver, TokenEventFieldsResolver } from '../notices/api';
import type { KindVerifier } from '../verify';
import { VerifyResolver } from '../verify/api';
import { appsModule } from './apps';
import { auditModule } from './audit';
import { endpointsModule } from './endpoints';
import { leaksModule } from './leaks';
import type { ServicesOf, TesseraModule } from './module';
import { nodesModule } from './nodes';
import { oauthModule } from './oauth';
import { personalAccessTokensModule } from './personal-access-tokens';
import { usersModule } from './users';
import { webhooksModule } from './webhooks';
import { workflowsModule } from './workflows';

export { defineModule, peer, type ModuleJob, type ServicesOf, type TesseraModule } from './module';

/**
 * The modules of this server: the one list everything is derived from (schema, database,
 * routes, kinds, verification, node lookups). A new module is a folder with its
 * `<noun>.module.ts`, plus one line here.
 */
export const MODULES = [
  usersModule,
  personalAccessTokensModule,
  workflowsModule,
  appsModule,
  endpointsModule,
  oauthModule,
  leaksModule,
  auditModule,
  webhooksModule,
  nodesModule,
] as const satisfies readonly TesseraModule[];

/** Turns a union of service sets into one set with all of them. */
type Merged<U> = (U extends unknown ? (set: U) => void : never) extends (set: infer I) => void ? I : never;

/** Every module's services, typed from the module list. */
export type ModuleServices = Merged<ServicesOf<(typeof MODULES)[number]>>;

/** What belongs to no module: the shared token tables, events, audit, retention and evictions. */
const CORE_ENTITIES: EntityClass<unknown>[] = [TokenRecord, TokenSecret, TokenEventRecord, EventRetentionRecord, EvictionRecord, AuditEntryRecord];
const CORE_MIGRATIONS: MigrationEntry[] = [
  { name: '20261122000001_core', class: CoreTablesMigration },
  { name: '20261202000001_retention', class: RetentionMigration },
  { name: '20261204000001_evictions', class: EvictionsMigration },
  { name: '20261205000001_expiring_at', class: ExpiringAtMigration },
];
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
const CORE_RESOLVERS: Function[] = [NoticeResolver, TokenEventFieldsResolver, VerifyResolver];

/** What a set of modules makes of a server: every list derived from them. */
export interface Assembly {
  modules: readonly TesseraModule[];
  entities: EntityClass<unknown>[];
  /** Every migration, in name order (names sort in the order they must run, across modules). */
  migrations: MigrationEntry[];
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  resolvers: NonEmptyArray<Function>;
  /** REST routes beside the GraphQL API (`/oauth/token`, ingress, …; `POST /v1/verify` is served ahead of Express). */
  routes: RouteRegistrar<never>[];
  /** What `node(id:)` can load, by id prefix: each module declares its own types and who may read them. */
  nodeSources: NodeSource<never>[];
  /** Every kind of token, as its module declared it (for the KindRegistry). */
  kindDefinitions: TokenKindDefinition[];
  /** What each module adds to verification for its kinds (for the Verifier). */
  kindVerifiers: KindVerifier[];
}

/** Derives a server's lists from its modules, with the parts that belong to no module. */
export function assemble(modules: readonly TesseraModule[]): Assembly {
  const all = <T>(pick: (module: TesseraModule) => readonly T[] | undefined): T[] => modules.flatMap((module) => [...(pick(module) ?? [])]);
  return {
    modules,
    entities: [...CORE_ENTITIES, ...all((module) => module.entities)],
    migrations: [...CORE_MIGRATIONS, ...all((module) => module.migrations)].sort((a, b) => a.name.localeCompare(b.name)),
    // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
    resolvers: [...CORE_RESOLVERS, ...all((module) => module.resolvers)] as NonEmptyArray<Function>,
    // The server has every service and the whole request: each part gets what it was typed for.
    routes: all((module) => module.routes),
    nodeSources: all((module) => module.nodes),
    kindDefinitions: all((module) => module.kinds),
    kindVerifiers: all((module) => module.verifiers),
  };
}

/** The full server: every module. */
export const ASSEMBLY = assemble(MODULES);
export const { entities, migrations, resolvers, routes, nodeSources, kindDefinitions, kindVerifiers } = ASSEMBLY;
