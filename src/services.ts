import type { CoreDeps } from './deps';
import type { ModuleServices, TesseraModule } from './modules';
import { NoticeService } from './notices';
import { Authenticator, VerifyService } from './verify';
import { TokenReader } from './core/tokens/token-reader';
import { NodeDirectory } from './core/graphql/node';
import type { NodeSource } from './core/graphql/node';

/** The services that belong to no module: verification, notices, node lookups and the shared parts. */
function coreServices(deps: CoreDeps, nodeSources: readonly NodeSource<object>[]) {
  return {
    clock: deps.clock,
    config: deps.config,
    verifier: deps.verifier,
    /** Single token records by id, kind and tenant (node lookups). */
    tokenRecords: new TokenReader(deps.orm),
    /** Objects by global id (`node(id:)`), through each module's own rules. */
    nodes: new NodeDirectory<object>(nodeSources),
    /** The kinds of token (and each kind's EXPIRING window), from the modules. */
    kinds: deps.kinds,
    notices: new NoticeService(deps),
    verify: new VerifyService(deps.verifier),
    auth: new Authenticator(deps.verifier, deps.limits),
    limits: deps.limits,
  };
}

/** Every service of a server: the core's, and each module's from its manifest. */
export type Services = ReturnType<typeof coreServices> & ModuleServices;

/**
 * Builds the core's services, then each module's from its manifest, in list order. A module's
 * factory gets the whole set as `peers` (complete once every factory has run: modules read their
 * peers when called, not while building). A server with a subset of modules has only theirs.
 */
export function createServices(deps: CoreDeps, modules: readonly TesseraModule[], nodeSources: readonly NodeSource<object>[] = []): Services {
  const services: Record<string, unknown> = coreServices(deps, nodeSources);
  for (const module of modules) {
    const made = module.services?.(deps, services as never) ?? {};
    for (const [name, service] of Object.entries(made)) {
      if (name in services) throw new Error(`module ${module.name} makes a service named ${name}, which another part already made`);
      services[name] = service;
    }
  }
  return services as Services;
}
