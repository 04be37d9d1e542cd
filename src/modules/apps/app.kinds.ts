import type { TokenKindDefinition } from '../../core/tokens/registry';
import { Role, TokenKind } from '../../core/tokens/token-kind';
import { type KindVerifier } from '../../verify';
import { AppStatus } from './app.entity';
import { appCheck, appFacts, appRelatedIds, effectiveRole, type AppFacts } from './app.verify';

/** The kinds of token this module owns. */
export const appKinds: TokenKindDefinition[] = [
  { kind: TokenKind.APP_SECRET, prefix: 'tsc', idPrefix: 'aps', audience: Role.DEVELOPER, noun: 'app' },
  // Access tokens live an hour: no EXPIRING_SOON/EXPIRED notices for each of them.
  {
    kind: TokenKind.APP_ACCESS,
    prefix: 'tsa',
    idPrefix: 'apt',
    audience: Role.DEVELOPER,
    noun: 'app_access_token',
    expiryNotices: false,
    pruneAfterExpiry: true,
    warningWindow: false,
  },
];

/** What verification adds for this module's kinds. */
export const appVerifiers: KindVerifier[] = [
  { kind: TokenKind.APP_SECRET, enrich: appFacts, check: appCheck, relatedIds: appRelatedIds },
  /**
   * An access token acts for its app across the app's tenant with the app's role capped by its
   * creator's current role (an administrator's app: an automation administrator, reaching every
   * workflow, instance and token there). No app token manages apps or users.
   */
  {
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
  },
];
