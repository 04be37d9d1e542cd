import type { CoreDeps } from './deps';
import { AuditService } from './modules/audit';
import { PersonalAccessTokenService } from './modules/personal-access-tokens';
import { UserService } from './modules/users';
import { NoticeService } from './notices';
import { OAuthService } from './modules/oauth';

/** Builds every module's service from the shared parts; resolvers reach them through the context. */
export function createServices(deps: CoreDeps) {
  const personalAccessTokens = new PersonalAccessTokenService(deps);
  const users = new UserService(deps, (tx, user, options) => personalAccessTokens.issueFor(tx, user, options));
  return {
    clock: deps.clock,
    config: deps.config,
    verifier: deps.verifier,
    /** The EXPIRING window in days: the largest warning threshold. */
    warningDays: deps.config.expiryWarningDays[0] ?? 30,
    users,
    personalAccessTokens,
    audit: new AuditService(deps),
    notices: new NoticeService(deps),
    oauth: new OAuthService(deps),
  };
}

export type Services = ReturnType<typeof createServices>;
