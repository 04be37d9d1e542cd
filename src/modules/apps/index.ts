import { registerTokenKind } from '../../core/tokens/registry';
import { Role, TokenKind } from '../../core/tokens/token-kind';
import { registerKindVerifier, VerifyReason, type KindVerifier, type TokenSnapshot } from '../../verify';
import { User } from '../users';
import { App, AppStatus, highestAppRoleFor, lesserRole } from './app.entity';

registerTokenKind({ kind: TokenKind.APP_SECRET, prefix: 'tsc', idPrefix: 'aps', audience: Role.DEVELOPER, noun: 'app' });
// Access tokens live an hour: no EXPIRING_SOON/EXPIRED notices for each of them.
registerTokenKind({ kind: TokenKind.APP_ACCESS, prefix: 'tsa', idPrefix: 'apt', audience: Role.DEVELOPER, noun: 'app_access_token', expiryNotices: false, pruneAfterExpiry: true, warningWindow: false });

/** What verification caches of an app with each of its tokens (evicted by the app's id). */
interface AppFacts {
  appMissing?: boolean;
  appStatus?: AppStatus;
  appName?: string;
  clientId?: string;
  appRole?: Role;
  creatorId?: string | null;
  /** The creator's current role; absent when the creator is gone (or of another tenant). */
  creatorRole?: Role;
}

async function appFacts(snapshot: TokenSnapshot, em: Parameters<NonNullable<KindVerifier['enrich']>>[1]): Promise<Record<string, unknown>> {
  const app = snapshot.subjectId ? await em.findOne(App, { id: snapshot.subjectId, tenantId: snapshot.tenantId }) : null;
  if (!app) return { appMissing: true } satisfies AppFacts;
  const creator = app.createdById ? await em.findOne(User, { id: app.createdById, tenantId: app.tenantId }) : null;
  const facts: AppFacts = { appStatus: app.status, appName: app.name, clientId: app.clientId, appRole: app.role, creatorId: app.createdById ?? null, ...(creator ? { creatorRole: creator.role } : {}) };
  return { ...facts };
}

/**
 * What an app's token acts as now: the app's role, capped by what its creator may give today
 * (their current role, never above AUTOMATION_ADMIN). Null — it does not authenticate — when the
 * creator is gone: nobody answers for the app any more.
 */
function effectiveRole(facts: AppFacts): Role | null {
  if (!facts.appRole || !facts.creatorRole) return null;
  return lesserRole(facts.appRole, highestAppRoleFor(facts.creatorRole));
}

/** A token of a deleted app is unknown; one of a disabled app is DISABLED. */
function appCheck(snapshot: TokenSnapshot): VerifyReason | null {
  const facts = snapshot.extra as AppFacts;
  if (facts.appMissing) return VerifyReason.UNKNOWN;
  if (facts.appStatus !== AppStatus.ACTIVE) return VerifyReason.DISABLED;
  return null;
}

/** A cached verification also depends on the creator's role: evicting the creator's id forgets it. */
function appRelatedIds(snapshot: TokenSnapshot): string[] {
  const { creatorId } = snapshot.extra as AppFacts;
  return creatorId ? [creatorId] : [];
}

registerKindVerifier({ kind: TokenKind.APP_SECRET, enrich: appFacts, check: appCheck, relatedIds: appRelatedIds });

/**
 * An access token acts for its app across the app's tenant with the app's role capped by its
 * creator's current role (an administrator's app: an automation administrator, reaching every
 * workflow, instance and token there). No app token manages apps or users.
 */
registerKindVerifier({
  kind: TokenKind.APP_ACCESS,
  enrich: appFacts,
  check: appCheck,
  relatedIds: appRelatedIds,
  principal(snapshot) {
    const facts = snapshot.extra as AppFacts;
    if (!snapshot.subjectId || facts.appStatus !== AppStatus.ACTIVE) return null;
    const role = effectiveRole(facts);
    if (!role) return null;
    return { type: 'app', id: snapshot.subjectId, name: facts.appName ?? snapshot.name, role, tenantId: snapshot.tenantId };
  },
});

export { App, AppStatus } from './app.entity';
export { AppsTablesMigration } from './apps.migration';
export { AppsRoleMigration } from './apps-role.migration';
export { AppService } from './app.service';
export { AppResolver } from './app.resolver';
export { AppType } from './app.type';
export { oauthRoutes } from './oauth.routes';
