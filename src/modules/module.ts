import type { EntityClass } from '@mikro-orm/core';
import type { MigrationEntry } from '../core/db/migration';
import type { NodeSource } from '../core/graphql/node';
import type { RouteRegistrar } from '../core/http';
import type { TokenKindDefinition } from '../core/tokens/registry';
import type { CoreDeps } from '../deps';
import type { KindVerifier } from '../verify';

/**
 * What a module brings to the server, declared in one place (`<noun>.module.ts`): its kinds of
 * token with their verification hooks, its entities and migrations, its resolvers, REST routes
 * and node sources. The module list (`src/modules/index.ts`) is the only wiring: the schema,
 * the database, the routes, the kind registry and the verifier are all derived from it, and
 * nothing registers itself on import. The manifest names no server-wide type (the request
 * context, the services): each part is typed by what it uses, and the server, which has the
 * whole set, hands it over (src/modules/index.ts).
 */
export interface TesseraModule<S extends object = object> {
  name: string;
  kinds?: readonly TokenKindDefinition[];
  verifiers?: readonly KindVerifier[];
  entities?: readonly EntityClass<unknown>[];
  /** Migrations, named so that names sort in the order they must run (across all modules). */
  migrations?: readonly MigrationEntry[];
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  resolvers?: readonly Function[];
  /** Each registrar is typed by the services it uses; the server hands it the whole set. */
  routes?: readonly RouteRegistrar<never>[];
  /** Each source is typed by the request it reads; the server hands it the whole one. */
  nodes?: readonly NodeSource<never>[];
  /**
   * The module's services, built from the shared parts. `peers` is the server's whole set of
   * services, typed by what this module uses of other modules; it is complete only once every
   * module's factory has run, so read it when a call happens, not while building.
   */
  services?: (deps: CoreDeps, peers: never) => S;
  /** Background jobs the module runs (started with the server's jobs, stopped before storage closes). */
  jobs?: (services: never) => readonly ModuleJob[];
}

/** A module's background job: started on the server's schedule, stopped after its current batch. */
export interface ModuleJob {
  start(): void;
  stop(): Promise<void>;
}

/** Declares a module, keeping the type of its services (so the server's set is typed from the list). */
export function defineModule<S extends object = object>(module: TesseraModule<S>): TesseraModule<S> {
  return module;
}

/** The services a module makes. */
export type ServicesOf<M> = M extends TesseraModule<infer S> ? S : never;

/** A peer module's service, read when a call needs it; a clear error when that module is not in this server. */
export function peer<P extends object, K extends keyof P & string>(peers: P, name: K): NonNullable<P[K]> {
  const service = peers[name];
  if (service === undefined || service === null) throw new Error(`this server has no ${name} service: add the module that provides it to the module list`);
  return service as NonNullable<P[K]>;
}
