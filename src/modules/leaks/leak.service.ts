import type { Actor } from '../../core/actor';
import { TokenRecord } from '../../core/tokens/token.entity';
import type { CoreDeps } from '../../deps';

/** What a report found out about one value; `tokenId` and `kind` only for the reporter's own tenant. */
export interface LeakOutcome {
  /** The first characters of the value, so a scanner can match answers to findings. */
  start: string;
  /** It is a Tessera token (it exists). */
  recognised: boolean;
  /** This report revoked it. */
  revoked: boolean;
  /** It had already stopped working (revoked or expired) before the report. */
  alreadyInactive: boolean;
  tokenId: string | null;
  kind: string | null;
}

/**
 * Leaked-token reports (GitHub-style secret scanning): whoever holds a value may report it, and
 * a recognisable Tessera token is revoked at once, on every instance; its owner hears of it by
 * the REVOKED event (reason LEAKED). Answers reveal nothing about tokens of other tenants.
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
    const result = await this.deps.verifier.verify(value);
    const snapshot = result.token;
    if (!snapshot) return unknown;
    const sameTenant = reporter?.tenantId === snapshot.tenantId;
    const actor: Actor = sameTenant && reporter ? reporter : { type: 'system', id: null, name: 'leak report', tenantId: snapshot.tenantId, role: null };
    const revoked = await this.deps.lifecycle.run(actor, async (tx) => {
      const token = await tx.em.findOne(TokenRecord, { id: snapshot.tokenId });
      if (!token || token.revokedAt || (token.expiresAt && token.expiresAt <= tx.now)) return false;
      this.deps.tokens.revoke(tx, token, { reason: 'LEAKED', ...(source ? { detail: source.slice(0, 500) } : {}) });
      if (actor.type === 'system') tx.audit('token.leak_reported', { type: token.kind, id: token.id, name: token.name }, source ? { source: source.slice(0, 500) } : undefined);
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
