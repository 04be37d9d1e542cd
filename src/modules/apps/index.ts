import { registerTokenKind } from '../../core/tokens/registry';
import { Role, TokenKind } from '../../core/tokens/token-kind';
import { registerKindVerifier, VerifyReason, type KindVerifier, type TokenSnapshot } from '../../verify';
import { App, AppStatus } from './app.entity';

registerTokenKind({ kind: TokenKind.APP_SECRET, prefix: 'tsc', idPrefix: 'aps', audience: Role.DEVELOPER, noun: 'app' });
// Access tokens live an hour: no EXPIRING_SOON/EXPIRED notices for each of them.
registerTokenKind({ kind: TokenKind.APP_ACCESS, prefix: 'tsa', idPrefix: 'apt', audience: Role.DEVELOPER, noun: 'app_access_token', expiryNotices: false, pruneAfterExpiry: true, warningWindow: false });

/** What verification caches of an app with each of its tokens (evicted by the app's id). */
interface AppFacts {
  appMissing?: boolean;
  appStatus?: AppStatus;
  appName?: string;
  clientId?: string;
}

async function appFacts(snapshot: TokenSnapshot, em: Parameters<NonNullable<KindVerifier['enrich']>>[1]): Promise<Record<string, unknown>> {
  const app = snapshot.subjectId ? await em.findOne(App, { id: snapshot.subjectId, tenantId: snapshot.tenantId }) : null;
  const facts: AppFacts = app ? { appStatus: app.status, appName: app.name, clientId: app.clientId } : { appMissing: true };
  return { ...facts };
}

/** A token of a deleted app is unknown; one of a disabled app is DISABLED. */
function appCheck(snapshot: TokenSnapshot): VerifyReason | null {
  const facts = snapshot.extra as AppFacts;
  if (facts.appMissing) return VerifyReason.UNKNOWN;
  if (facts.appStatus !== AppStatus.ACTIVE) return VerifyReason.DISABLED;
  return null;
}

registerKindVerifier({ kind: TokenKind.APP_SECRET, enrich: appFacts, check: appCheck });

/**
 * An access token acts for its app across the app's tenant, as an automation administrator: it
 * reaches every workflow, instance and token there, but cannot manage apps or users.
 */
registerKindVerifier({
  kind: TokenKind.APP_ACCESS,
  enrich: appFacts,
  check: appCheck,
  principal(snapshot) {
    const facts = snapshot.extra as AppFacts;
    if (!snapshot.subjectId || facts.appStatus !== AppStatus.ACTIVE) return null;
    return { type: 'app', id: snapshot.subjectId, name: facts.appName ?? snapshot.name, role: Role.AUTOMATION_ADMIN, tenantId: snapshot.tenantId };
  },
});

export { App, AppStatus } from './app.entity';
export { AppsTablesMigration } from './apps.migration';
export { AppService } from './app.service';
export { AppResolver } from './app.resolver';
export { AppType } from './app.type';
export { oauthRoutes } from './oauth.routes';
