import { systemActor, type Actor } from '../../core/actor';
import { TokenRecord, TokenSecret } from '../../core/tokens/token.entity';
import type { CoreDeps } from '../../deps';

/** What a report found out about one value; `tokenId` and `kind` only for the reporter's own tenant. */
export interface LeakOutcome {
  /** The first characters of the value, so a scanner can match answers to findings. */
  start: string;
  /** It is a Tessera token (it exists). */
  recognised: boolean;
  /** This report revoked it (for a replaced value still in its grace: ended that value alone). */
  revoked: boolean;
  /** It had already stopped working (revoked or expired) before the report. */
  alreadyInactive: boolean;
  tokenId: string | null;
  kind: string | null;
}

/**
 * Leaked-token reports (GitHub-style secret scanning): whoever holds a value may report it, and
 * a recognisable Tessera token is revoked at once, on every instance; its owner hears of it by
 * the REVOKED event (reason LEAKED). A replaced value still in its rotation grace is ended
 * alone (audited), never the token's current value. Answers reveal nothing about tokens of other tenants.
 */
export class LeakService {
  constructor(private readonly deps: CoreDeps) {}

  async report(reporter: Actor | null, values: string[], source?: string | null): Promise<LeakOutcome[]> {
    const outcomes: LeakOutcome[] = [];
    for (const value of values) outcomes.push(await this.reportOne(reporter, value, source ?? null));
    return outcomes;
  }

  private async reportOne(reporter: Actor | null, value: string, source: string | null): Promise<LeakOutcome> {
    const start = value.slice(0, 8);
    const unknown: LeakOutcome = { start, recognised: false, revoked: false, alreadyInactive: false, tokenId: null, kind: null };
    // Reporting a value is not using it: its lastUsedAt stays as it was.
    const result = await this.deps.verifier.verify(value, { use: false });
    const snapshot = result.token;
    if (!snapshot) return unknown;
    const sameTenant = reporter?.tenantId === snapshot.tenantId;
    const actor: Actor = sameTenant && reporter ? reporter : systemActor(snapshot.tenantId, 'leak report');
    const revoked = await this.deps.lifecycle.run(actor, async (tx) => {
      const token = await tx.em.findOne(TokenRecord, { id: snapshot.tokenId });
      if (!token || token.revokedAt || (token.expiresAt && token.expiresAt <= tx.now)) return false;
      // A replaced value (a rotated-out client secret, a regenerated token's previous value) is
      // not the token: it stops alone — at once if still in its grace — and the current value
      // keeps working. Whoever held an old value must not be able to switch the new one off.
      const secret = await tx.em.findOne(TokenSecret, { hash: this.deps.box.hash(value) });
      if (!secret) return false;
      if (secret.validUntil) {
        if (secret.validUntil <= tx.now) return false;
        secret.validUntil = tx.now;
        tx.evict(token.id);
        tx.audit(
          'token.leak_reported',
          { type: token.kind, id: token.id, name: token.name },
          { replacedValue: true, ...(source ? { source: source.slice(0, 500) } : {}) },
        );
        return true;
      }
      this.deps.tokens.revoke(tx, token, { reason: 'LEAKED', ...(source ? { detail: source.slice(0, 500) } : {}) });
      if (actor.type === 'system')
        tx.audit('token.leak_reported', { type: token.kind, id: token.id, name: token.name }, source ? { source: source.slice(0, 500) } : undefined);
      return true;
    });
    return {
      start,
      recognised: true,
      revoked,
      alreadyInactive: !revoked,
      tokenId: sameTenant ? snapshot.tokenId : null,
      kind: sameTenant ? snapshot.kind : null,
    };
  }
}
