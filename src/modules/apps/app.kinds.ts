import type { TokenKindDefinition } from '../../core/tokens/registry';
import { Role } from '../../core/tokens/token-kind';
import { type KindVerifier } from '../../verify';
import { AppStatus } from './app.entity';
import { appCheck, appFacts, appRelatedIds, effectiveRole, type AppFacts } from './app.verify';

/** The kinds of token this module owns, by name. */
export const AppKind = {
  APP_SECRET: 'APP_SECRET',
  APP_ACCESS: 'APP_ACCESS',
} as const;

declare module '../../core/tokens/token-kind' {
  /** This module's kinds. */
  interface TokenKinds {
    APP_SECRET: true;
    APP_ACCESS: true;
  }
}

/** The kinds of token this module owns. */
export const appKinds: TokenKindDefinition[] = [
  {
    kind: AppKind.APP_SECRET,
    prefix: 'tsc',
    idPrefix: 'aps',
    audience: Role.DEVELOPER,
    noun: 'app',
    description: "An app's client secret, exchanged for access tokens.",
  },
  // Access tokens live an hour: no EXPIRING_SOON/EXPIRED notices for each of them.
  {
    kind: AppKind.APP_ACCESS,
    prefix: 'tsa',
    idPrefix: 'apt',
    audience: Role.DEVELOPER,
    noun: 'app_access_token',
    description: 'A short-lived access token issued to an app by the client-credentials grant.',
    expiryNotices: false,
    pruneAfterExpiry: true,
    warningWindow: false,
  },
];

/** What verification adds for this module's kinds. */
export const appVerifiers: KindVerifier[] = [
  { kind: AppKind.APP_SECRET, enrich: appFacts, check: appCheck, relatedIds: appRelatedIds },
  /**
   * An access token acts for its app across the app's tenant with the app's role capped by its
   * creator's current role (an administrator's app: an automation administrator, reaching every
   * workflow, instance and token there). No app token manages apps or users.
   */
  {
    kind: AppKind.APP_ACCESS,
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
