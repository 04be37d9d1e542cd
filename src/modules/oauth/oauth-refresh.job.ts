import { OAuthKind } from './oauth.kinds';
import { systemActor } from '../../core/actor';
import { TokenEventType } from '../../core/events/event.entity';

import { TokenRecord } from '../../core/tokens/token.entity';
import { PeriodicJob, type StopSignal } from '../../core/periodic-job';
import type { CoreDeps } from '../../deps';
import { ProviderFailure, type GrantedToken } from './oauth.client';
import { OAuthProvider, OAuthToken, OAuthTokenStatus } from './oauth.entity';
import type { OAuthGrants } from './oauth-grants';

const BATCH = 100;

/** Backoff between failed proactive refreshes: 30 s, doubling, at most 15 minutes. */
export function refreshBackoffMs(failures: number): number {
  return Math.min(30_000 * 2 ** Math.max(failures - 1, 0), 15 * 60_000);
}
/** How long a claimed refresh belongs to the instance that claimed it. */
const LEASE_MS = 2 * 60_000;

/**
 * Refreshes outbound tokens before they expire, exactly once across instances. A due row is
 * claimed by a compare-and-set of `nextRefreshAt` (moved to a lease); the provider is called
 * outside any transaction; the answer is written, with its event, only if the lease is still
 * this instance's (a second compare-and-set in the transaction that writes the event). A failure
 * emits REFRESH_FAILED and retries with backoff; the first success after failures emits
 * RECOVERED.
 */
export class OAuthRefreshJob extends PeriodicJob {
  constructor(
    private readonly deps: CoreDeps,
    private readonly grants: OAuthGrants,
  ) {
    super('oauth-refresh', deps.logger);
  }

  /** Refreshes every due token once (stopping after the token in hand); returns how many this instance handled. */
  protected async work(shouldStop: StopSignal): Promise<number> {
    const now = this.deps.clock.now();
    const em = this.deps.orm.em.fork();
    const due = await em.find(
      OAuthToken,
      { nextRefreshAt: { $lte: now }, status: OAuthTokenStatus.ACTIVE },
      { orderBy: { nextRefreshAt: 'asc', id: 'asc' }, limit: BATCH },
    );
    let handled = 0;
    for (const oauth of due) {
      if (shouldStop()) break;
      if (await this.refreshOne(oauth)) handled += 1;
    }
    return handled;
  }

  private async refreshOne(oauth: OAuthToken): Promise<boolean> {
    const now = this.deps.clock.now();
    const lease = new Date(now.getTime() + LEASE_MS);
    const em = this.deps.orm.em.fork();
    const won = await em.nativeUpdate(OAuthToken, { id: oauth.id, nextRefreshAt: oauth.nextRefreshAt }, { nextRefreshAt: lease });
    if (won !== 1) return false;
    const provider = await em.findOne(OAuthProvider, { id: oauth.providerId });
    if (!provider) return false;

    let granted: GrantedToken | undefined;
    let failure: ProviderFailure | undefined;
    try {
      granted = await this.grants.obtain(provider, oauth, { preferRefresh: true });
    } catch (error) {
      failure = error instanceof ProviderFailure ? error : new ProviderFailure(error instanceof Error ? error.message : String(error), 'internal');
    }

    return this.deps.lifecycle.run(systemActor(oauth.tenantId), async (tx) => {
      const current = await tx.em.findOne(OAuthToken, { id: oauth.id, nextRefreshAt: lease });
      const record = current ? await tx.em.findOne(TokenRecord, { id: oauth.id, kind: OAuthKind.OAUTH }) : null;
      if (!current || !record || record.revokedAt) return false;
      const failuresBefore = current.refreshFailures;
      if (granted) {
        this.grants.applyGranted(tx, { record, oauth: current }, granted, false);
        if (failuresBefore > 0) tx.emit(TokenEventType.RECOVERED, record, { detail: `refreshed after ${failuresBefore} failed attempt(s)` });
      } else if (failure) {
        current.refreshFailures = failuresBefore + 1;
        current.providerError = failure.message;
        current.nextRefreshAt = new Date(tx.now.getTime() + refreshBackoffMs(current.refreshFailures));
        current.updatedAt = tx.now;
        tx.emit(TokenEventType.REFRESH_FAILED, record, {
          reason: failure.code,
          detail: `attempt ${current.refreshFailures} failed (${failure.message}); next attempt at ${current.nextRefreshAt.toISOString()}`,
        });
      }
      return true;
    });
  }
}
