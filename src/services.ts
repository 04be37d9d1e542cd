import type { CoreDeps } from './deps';
import { AppService } from './modules/apps';
import { AuditService } from './modules/audit';
import { LeakService } from './modules/leaks';
import { EndpointIngress, EndpointService, EndpointTokenService } from './modules/endpoints';
import { PersonalAccessTokenService } from './modules/personal-access-tokens';
import { UserService } from './modules/users';
import { WorkflowInstanceService, WorkflowService } from './modules/workflows';
import { NoticeService } from './notices';
import { OAuthService } from './modules/oauth';
import { Authenticator, VerifyService } from './verify';
import { TokenReader } from './core/tokens/token-reader';
import { NodeDirectory } from './core/graphql/node';
import type { NodeSource } from './core/graphql/node';

/** Builds every module's service from the shared parts; resolvers reach them through the context. */
export function createServices(deps: CoreDeps, nodeSources: readonly NodeSource<object>[]) {
  const personalAccessTokens = new PersonalAccessTokenService(deps);
  const workflows = new WorkflowService(deps);
  const users = new UserService(deps, (tx, user, options) => personalAccessTokens.issueFor(tx, user, options));
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
    users,
    personalAccessTokens,
    audit: new AuditService(deps),
    leaks: new LeakService(deps),
    notices: new NoticeService(deps),
    oauth: new OAuthService(deps),
    verify: new VerifyService(deps.verifier),
    auth: new Authenticator(deps.verifier, deps.limits),
    limits: deps.limits,
    apps: new AppService(deps),
    endpoints: new EndpointService(deps),
    endpointTokens: new EndpointTokenService(deps),
    endpointIngress: new EndpointIngress(deps),
    workflows,
    workflowInstances: new WorkflowInstanceService(deps, workflows),
  };
}

export type Services = ReturnType<typeof createServices>;
