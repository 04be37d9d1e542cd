import { Role } from '../../core/tokens/token-kind';
import { VerifyReason, type KindVerifier, type TokenSnapshot } from '../../verify';
import { User } from '../users';
import { App, AppStatus, highestAppRoleFor, lesserRole } from './app.entity';

/** What verification caches of an app with each of its tokens (evicted by the app's id). */
export interface AppFacts {
  appMissing?: boolean;
  appStatus?: AppStatus;
  appName?: string;
  clientId?: string;
  appRole?: Role;
  creatorId?: string | null;
  /** The creator's current role; absent when the creator is gone (or of another tenant) or deactivated. */
  creatorRole?: Role;
  /** The creator was deactivated: the app stops with them (DISABLED) until they are reactivated. */
  creatorDeactivated?: boolean;
}

export async function appFacts(snapshot: TokenSnapshot, em: Parameters<NonNullable<KindVerifier['enrich']>>[1]): Promise<Record<string, unknown>> {
  const app = snapshot.subjectId ? await em.findOne(App, { id: snapshot.subjectId, tenantId: snapshot.tenantId }) : null;
  if (!app) return { appMissing: true } satisfies AppFacts;
  const creator = app.createdById ? await em.findOne(User, { id: app.createdById, tenantId: app.tenantId }) : null;
  const facts: AppFacts = {
    appStatus: app.status,
    appName: app.name,
    clientId: app.clientId,
    appRole: app.role,
    creatorId: app.createdById ?? null,
    ...(creator && !creator.deactivatedAt ? { creatorRole: creator.role } : {}),
    ...(creator?.deactivatedAt ? { creatorDeactivated: true } : {}),
  };
  return { ...facts };
}

/**
 * What an app's token acts as now: the app's role, capped by what its creator may give today
 * (their current role, never above AUTOMATION_ADMIN). Null — it does not authenticate — when the
 * creator is gone: nobody answers for the app any more.
 */
export function effectiveRole(facts: AppFacts): Role | null {
  if (!facts.appRole || !facts.creatorRole) return null;
  return lesserRole(facts.appRole, highestAppRoleFor(facts.creatorRole));
}

/** A token of a deleted app is unknown; one of a disabled app, or of an app whose creator is deactivated, is DISABLED. */
export function appCheck(snapshot: TokenSnapshot): VerifyReason | null {
  const facts = snapshot.extra as AppFacts;
  if (facts.appMissing) return VerifyReason.UNKNOWN;
  if (facts.appStatus !== AppStatus.ACTIVE || facts.creatorDeactivated) return VerifyReason.DISABLED;
  return null;
}

/** A cached verification also depends on the creator's role: evicting the creator's id forgets it. */
export function appRelatedIds(snapshot: TokenSnapshot): string[] {
  const { creatorId } = snapshot.extra as AppFacts;
  return creatorId ? [creatorId] : [];
}
