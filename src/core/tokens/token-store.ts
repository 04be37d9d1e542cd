import type { EntityManager } from '@mikro-orm/core';
import { TokenEventType, type TokenEventData } from '../events/event.entity';
import type { Tx } from '../events/outbox';
import { newId } from '../ids';
import { generatePlainSecret, generateToken, type GeneratedSecret, type SecretBox } from '../secrets';
import type { KindRegistry } from './kind-registry';
import type { TokenKind } from './token-kind';
import { scheduleExpiryNotices, termThresholds } from './token-status';
import { DAY } from '../clock';
import { TokenRecord, TokenSecret } from './token.entity';

/** What a kind says about a new token. */
export interface NewToken {
  kind: TokenKind;
  tenantId: string;
  name: string;
  description?: string | null;
  ownerId?: string | null;
  subjectType?: string | null;
  subjectId?: string | null;
  expiresAt?: Date | null;
  /** Keep the value encrypted so it can be revealed again (administrators, audited). */
  revealable?: boolean;
  /** Use this value instead of a generated one (operator-chosen bootstrap token). */
  presetValue?: string;
  /** Generate a plain alphanumeric value of this length instead of the Tessera format. */
  plainLength?: number;
  /** Switched off from birth. */
  disabled?: boolean;
  /** Do not emit CREATED (the caller emits something more specific). */
  silent?: boolean;
  /**
   * The value lives outside Tessera's verifier (an outbound token a provider issued): no value
   * is generated, no TokenSecret is written, nothing verifies against it. `secret` comes back empty.
   */
  external?: boolean;
}

/** A token with its new value: the only moment the value exists outside the caller. */
export interface IssuedToken {
  token: TokenRecord;
  secret: string;
}

/** A regenerated token: its new value, and until when the previous one keeps working (null: it stopped at once). */
export interface RegeneratedToken extends IssuedToken {
  graceEndsAt: Date | null;
}

/**
 * The lifecycle every kind shares: issue, refresh, regenerate, revoke, enable/disable, delete,
 * each writing its event and evicting cached verifications inside the caller's {@link Tx}.
 * Kinds call these; none writes tokens or values by hand.
 */
export class TokenStore {
  constructor(
    private readonly box: SecretBox,
    private readonly thresholds: number[],
    private readonly kinds: KindRegistry,
  ) {}

  private newValue(kind: TokenKind, spec: { presetValue?: string; plainLength?: number }): GeneratedSecret {
    if (spec.presetValue) return { value: spec.presetValue, start: spec.presetValue.slice(0, 4) };
    if (spec.plainLength) return generatePlainSecret(spec.plainLength);
    const prefix = this.kinds.definition(kind).prefix;
    if (!prefix) throw new Error(`token kind ${kind} has no prefix`);
    return generateToken(prefix);
  }

  /**
   * Starts a term's warning window and expiry notices: both follow the thresholds that fit the
   * term (see `termThresholds`), so no token is EXPIRING or warned at the moment its term begins.
   */
  private schedule(token: TokenRecord, now: Date): void {
    const fitting = token.expiresAt && this.kinds.windowDays(token.kind) > 0 ? termThresholds(this.thresholds, now, token.expiresAt) : [];
    token.expiringAt = token.expiresAt ? new Date(token.expiresAt.getTime() - (fitting[0] ?? 0) * DAY) : null;
    if (this.kinds.definition(token.kind).expiryNotices === false) {
      token.nextNoticeAt = null;
      token.noticedThresholdDays = null;
      return;
    }
    scheduleExpiryNotices(token, now, fitting);
  }

  private addSecret(tx: Tx, token: TokenRecord, value: string, revealable: boolean): void {
    tx.em.create(TokenSecret, {
      hash: this.box.hash(value),
      token,
      ciphertext: revealable ? this.box.encrypt(value, token.id) : null,
      createdAt: tx.now,
    });
  }

  /**
   * The token `id` of `kind` in the acting tenant, read in the transaction (so the change that
   * follows is serialized with any other); `notFound()` when there is none — another tenant's
   * reads the same.
   */
  async findOfKind(tx: Tx, kind: TokenKind, id: string, notFound: () => Error): Promise<TokenRecord> {
    const token = await tx.em.findOne(TokenRecord, { id, kind, tenantId: tx.actor.tenantId });
    if (!token) throw notFound();
    return token;
  }

  async issue(tx: Tx, spec: NewToken): Promise<IssuedToken> {
    const value = spec.external ? { value: '', start: '' } : this.newValue(spec.kind, spec);
    const token = tx.em.create(TokenRecord, {
      id: newId(this.kinds.definition(spec.kind).idPrefix),
      tenantId: spec.tenantId,
      kind: spec.kind,
      name: spec.name,
      description: spec.description ?? null,
      start: value.start,
      ownerId: spec.ownerId ?? null,
      subjectType: spec.subjectType ?? null,
      subjectId: spec.subjectId ?? null,
      expiresAt: spec.expiresAt ?? null,
      disabledAt: spec.disabled ? tx.now : null,
      createdById: tx.actor.id,
      createdAt: tx.now,
      updatedAt: tx.now,
    });
    this.schedule(token, tx.now);
    if (!spec.external) this.addSecret(tx, token, value.value, spec.revealable ?? false);
    if (!spec.silent) tx.emit(TokenEventType.CREATED, token);
    return { token, secret: value.value };
  }

  /**
   * Sets the end of a token's first term, learnt after it was issued (an outbound OAuth token's
   * lifetime comes from the provider's answer): its expiry notices are scheduled as for any term.
   * No event: the token's CREATED event describes it.
   */
  startTerm(tx: Tx, token: TokenRecord, expiresAt: Date | null): void {
    token.expiresAt = expiresAt;
    token.updatedAt = tx.now;
    this.schedule(token, tx.now);
  }

  /** A new term from now; the value does not change. */
  refresh(tx: Tx, token: TokenRecord, expiresAt: Date): void {
    token.expiresAt = expiresAt;
    token.updatedAt = tx.now;
    this.schedule(token, tx.now);
    tx.evict(token.id);
    tx.emit(TokenEventType.REFRESHED, token);
  }

  /**
   * A new value replaces the current one. With `graceMs`, the previous value keeps working
   * until then; without, it stops at once. Earlier replaced values stop at once either way.
   * Un-revokes the token and, with `expiresAt`, starts a new term.
   */
  async regenerate(
    tx: Tx,
    token: TokenRecord,
    options: { graceMs?: number; expiresAt?: Date | null; revealable?: boolean; plainLength?: number } = {},
  ): Promise<RegeneratedToken> {
    const secrets = await tx.em.find(TokenSecret, { token });
    const wasUsable = !token.revokedAt && (!token.expiresAt || token.expiresAt > tx.now);
    const graceEndsAt = options.graceMs && wasUsable ? new Date(tx.now.getTime() + options.graceMs) : null;
    for (const secret of secrets) {
      if (secret.validUntil === null || secret.validUntil === undefined) {
        if (graceEndsAt) secret.validUntil = graceEndsAt;
        else tx.em.remove(secret);
      } else {
        tx.em.remove(secret);
      }
    }
    const value = this.newValue(token.kind, { plainLength: options.plainLength });
    token.start = value.start;
    token.revokedAt = null;
    if (options.expiresAt !== undefined) token.expiresAt = options.expiresAt;
    token.updatedAt = tx.now;
    this.schedule(token, tx.now);
    this.addSecret(tx, token, value.value, options.revealable ?? false);
    tx.evict(token.id);
    const data: TokenEventData | undefined = graceEndsAt ? { graceEndsAt: graceEndsAt.toISOString() } : undefined;
    tx.emit(TokenEventType.REGENERATED, token, data);
    return { token, secret: value.value, graceEndsAt };
  }

  /** Stops the token at once, every value of it. */
  revoke(tx: Tx, token: TokenRecord, data?: TokenEventData): void {
    token.revokedAt = tx.now;
    token.updatedAt = tx.now;
    token.nextNoticeAt = null;
    tx.evict(token.id);
    tx.emit(TokenEventType.REVOKED, token, data);
  }

  /**
   * Undoes a revocation: the token's current value works again (kinds with an active/inactive
   * state, e.g. secondary endpoint tokens). Emits ENABLED with `data`.
   */
  unrevoke(tx: Tx, token: TokenRecord, data?: TokenEventData): void {
    token.revokedAt = null;
    token.updatedAt = tx.now;
    // Through the kind's rules: a kind that opted out of expiry notices gets none back.
    this.schedule(token, tx.now);
    tx.evict(token.id);
    tx.emit(TokenEventType.ENABLED, token, data);
  }

  /**
   * Renames a token or changes its description (fields left undefined stay). Cached answers
   * carry the name, so they are dropped everywhere; no event (nothing about its validity changed).
   */
  describe(tx: Tx, token: TokenRecord, changes: { name?: string; description?: string | null }): void {
    if (changes.name !== undefined) token.name = changes.name;
    if (changes.description !== undefined) token.description = changes.description;
    token.updatedAt = tx.now;
    tx.evict(token.id);
  }

  setEnabled(tx: Tx, token: TokenRecord, enabled: boolean): void {
    token.disabledAt = enabled ? null : tx.now;
    token.updatedAt = tx.now;
    tx.evict(token.id);
    tx.emit(enabled ? TokenEventType.ENABLED : TokenEventType.DISABLED, token);
  }

  async delete(tx: Tx, token: TokenRecord, data?: TokenEventData): Promise<void> {
    tx.evict(token.id);
    tx.emit(TokenEventType.DELETED, token, data);
    await tx.em.nativeDelete(TokenSecret, { token: token.id });
    tx.em.remove(token);
  }

  /**
   * The revealable current values of several tokens in one statement (token id → value), for
   * lists that show values to administrators. Tokens without a kept value are absent.
   */
  async revealMany(em: EntityManager, tokenIds: readonly string[]): Promise<Map<string, string>> {
    const values = new Map<string, string>();
    if (tokenIds.length === 0) return values;
    const secrets = await em.find(TokenSecret, { token: { $in: [...tokenIds] }, validUntil: null, ciphertext: { $ne: null } });
    for (const secret of secrets) {
      const tokenId = secret.token.id;
      values.set(tokenId, this.box.decrypt(secret.ciphertext as string, tokenId));
    }
    return values;
  }

  /** The revealable current value, decrypted; null if the kind keeps none. */
  async reveal(tx: Tx, token: TokenRecord): Promise<string | null> {
    const secret = await tx.em.findOne(TokenSecret, { token, validUntil: null });
    if (!secret?.ciphertext) return null;
    return this.box.decrypt(secret.ciphertext, token.id);
  }
}
