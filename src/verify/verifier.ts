import type { MikroORM } from '@mikro-orm/core';
import type { Bus } from '../core/events/bus';
import type { Clock } from '../core/clock';
import type { Logger } from '../core/logger';
import { whenDone, type Maybe } from '../core/maybe';
import { inspectToken, type SecretBox } from '../core/secrets';
import { TokenRecord, TokenSecret } from '../core/tokens/token.entity';
import { VerifyCache } from './verify-cache';
import { VerifyReason, type KindVerifier, type Principal, type TokenSnapshot, type VerifyRequest, type VerifyResult } from './verify.types';

/** Who a value acts as, with the verification it came from. */
export interface Authenticated {
  principal: Principal | null;
  result: VerifyResult;
}

export interface VerifierOptions {
  /** Longest a cached result lives while the bus's lease holds (evictions proven to arrive). @default 60000 */
  connectedTtlMs?: number;
  /**
   * The staleness bound (`TESSERA_VERIFY_CACHE_TTL_MS`): a cached result older than this (counted
   * from the start of the storage read it came from) is used only while the bus's lease holds.
   */
  disconnectedTtlMs: number;
  /** How long "this value does not exist" is remembered. @default 2000 */
  negativeTtlMs?: number;
  maxEntries?: number;
  lastUsedFlushMs: number;
  /** Told every verdict (null: valid, or why not), e.g. to count them for /metrics. */
  onVerdict?: (reason: VerifyReason | null) => void;
}

/**
 * The one verifier behind `verifyToken`, `POST /v1/verify`, the API's own Bearer auth, the
 * workflow start route and the endpoint ingress. Format and checksum are checked before any
 * lookup; results are cached by the value's keyed hash and evicted on every instance through
 * the bus when a change can invalidate them; `lastUsedAt` is written in coalesced batches.
 */
export class Verifier {
  private readonly kindVerifiers = new Map<string, KindVerifier>();
  private readonly cache: VerifyCache;
  private readonly lastUsed = new Set<string>();
  private readonly loading = new Map<string, Promise<TokenSnapshot | null>>();
  /** Each snapshot's principal (see {@link principalOf}). */
  private readonly principals = new WeakMap<TokenSnapshot, Principal | null>();
  /** Per keep-alive connection, the last value authenticated on it and its hash (see {@link authenticate}). */
  private readonly connectionValues = new WeakMap<object, { value: string; hash: string }>();
  /** Bumped by every eviction: loads started before it are not cached. */
  private generation = 0;

  /** Requests after an eviction must not join a read that started before it. */
  private invalidateInFlight(): void {
    this.generation += 1;
    this.loading.clear();
  }
  private flushTimer?: NodeJS.Timeout;
  private readonly connectedTtlMs: number;
  private readonly negativeTtlMs: number;

  constructor(
    private readonly orm: MikroORM,
    private readonly box: SecretBox,
    private readonly bus: Bus,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: VerifierOptions,
    /** What each module adds to verification for its kinds (from the modules' manifests). */
    verifiers: readonly KindVerifier[] = [],
  ) {
    for (const verifier of verifiers) {
      if (this.kindVerifiers.has(verifier.kind)) throw new Error(`two verifiers for token kind ${verifier.kind}`);
      this.kindVerifiers.set(verifier.kind, verifier);
    }
    this.cache = new VerifyCache(options.maxEntries ?? 100_000);
    this.connectedTtlMs = options.connectedTtlMs ?? 60_000;
    this.negativeTtlMs = options.negativeTtlMs ?? 2_000;
    bus.onMessage((message) => {
      if (!message.evictTokenIds?.length) return;
      for (const id of message.evictTokenIds) this.cache.evict(id);
      this.invalidateInFlight();
    });
    // Evictions sent while we could not hear them are lost: forget everything.
    bus.onReconnect(() => {
      this.cache.clear();
      this.invalidateInFlight();
    });
    this.flushTimer = setInterval(() => void this.flushLastUsed(), options.lastUsedFlushMs);
    this.flushTimer.unref();
  }

  /**
   * Verifies a presented value where it is presented. Never throws for a bad value. Answered
   * synchronously when the format or the cache decides (the hot path: no promise chain through
   * the verifier and its callers), as a promise when storage must be read; `await` either.
   */
  verify(value: string, request: VerifyRequest = {}): Maybe<VerifyResult> {
    return this.verifyOn(value, request, undefined);
  }

  /**
   * {@link verify}, where the value's keyed hash may come from `connection`'s memo: the last value
   * authenticated on that keep-alive connection, compared exactly. Only the hash is reused: the
   * cache lookup, its trust window and every check run as for any request, so an eviction still
   * refuses the very next request.
   */
  private verifyOn(value: string, request: VerifyRequest, connection: object | undefined): Maybe<VerifyResult> {
    const shape = inspectToken(value);
    if (shape.format === 'malformed' || value.length === 0 || value.length > 512) {
      this.options.onVerdict?.(VerifyReason.MALFORMED);
      return { valid: false, reason: VerifyReason.MALFORMED, token: null };
    }
    const hash = connection ? this.hashOn(connection, value) : this.box.hash(value);
    const now = Date.now();
    const cached = this.cache.get(hash, this.connectedTtlMs, now);
    // Trusted while the bus proves evictions arrive (its lease), else only within the bound: a
    // stale answer read before a revocation can then outlive the revocation's response by at
    // most the bound, whatever Redis or the network does (fail closed: re-read storage).
    if (
      cached &&
      (now < this.bus.trustedUntil || now - cached.storedAt <= this.options.disconnectedTtlMs) &&
      (cached.snapshot || now - cached.storedAt <= this.negativeTtlMs)
    ) {
      return this.answer(cached.snapshot, request);
    }
    return this.snapshotOf(hash).then((snapshot) => this.answer(snapshot, request));
  }

  /**
   * Who a value acts as on the API, or why it may not; synchronous when {@link verify} is.
   * `connection` (the request's socket) lets a caller that presents the same value on every
   * request of a keep-alive connection (a gateway's own token) skip its HMAC after the first.
   */
  authenticate(value: string, connection?: object): Maybe<Authenticated> {
    return whenDone(this.verifyOn(value, {}, connection), (result) => {
      if (!result.valid || !result.token) return { principal: null, result };
      return { principal: this.principalOf(result.token), result };
    });
  }

  private answer(snapshot: TokenSnapshot | null, request: VerifyRequest): VerifyResult {
    // Another tenant's value is no value at all to this asker: same answer, no lastUsedAt stamp.
    if (!snapshot || (request.tenantId !== undefined && snapshot.tenantId !== request.tenantId)) {
      this.options.onVerdict?.(VerifyReason.UNKNOWN);
      return { valid: false, reason: VerifyReason.UNKNOWN, token: null };
    }
    const reason = this.judge(snapshot, request);
    this.options.onVerdict?.(reason);
    if (reason === null && request.use !== false) this.lastUsed.add(snapshot.tokenId);
    return { valid: reason === null, reason, token: snapshot };
  }

  /** Forgets this instance's cached results for `id` (other instances hear it on the bus). */
  evictLocal(id: string): void {
    this.cache.evict(id);
    this.invalidateInFlight();
  }

  get cacheSize(): number {
    return this.cache.size;
  }

  /**
   * Who a valid snapshot acts as. A cached snapshot never changes (a change replaces it), so its
   * principal is built once and shared, frozen, by every request that presents the value.
   */
  private principalOf(snapshot: TokenSnapshot): Principal | null {
    let principal = this.principals.get(snapshot);
    if (principal === undefined) {
      const built = this.kindVerifiers.get(snapshot.kind)?.principal?.(snapshot) ?? null;
      this.principals.set(snapshot, (principal = built && Object.freeze(built)));
    }
    return principal;
  }

  /**
   * The keyed hash of `value`, remembered for `connection` (one value per connection, held as
   * long as the connection lives, as a graphql-ws socket holds its value to re-check it).
   */
  private hashOn(connection: object, value: string): string {
    const known = this.connectionValues.get(connection);
    if (known !== undefined && known.value === value) return known.hash;
    const hash = this.box.hash(value);
    this.connectionValues.set(connection, { value, hash });
    return hash;
  }

  private judge(snapshot: TokenSnapshot, request: VerifyRequest): VerifyReason | null {
    const now = this.clock.now().getTime();
    if (snapshot.revokedAt !== null) return VerifyReason.REVOKED;
    if (snapshot.validUntil !== null && snapshot.validUntil <= now) return VerifyReason.EXPIRED;
    if (snapshot.expiresAt !== null && snapshot.expiresAt <= now) return VerifyReason.EXPIRED;
    if (snapshot.disabledAt !== null) return VerifyReason.DISABLED;
    return this.kindVerifiers.get(snapshot.kind)?.check?.(snapshot, request) ?? null;
  }

  /** Reads a value's snapshot from storage (the cache missed), caching what it finds. */
  private snapshotOf(hash: string): Promise<TokenSnapshot | null> {
    // Single flight: concurrent misses for one value (say, right after an eviction) share one read.
    let loading = this.loading.get(hash);
    if (!loading) {
      const generation = this.generation;
      // An entry's age counts from before the read: what it holds may be that old.
      const readStart = Date.now();
      loading = this.load(hash)
        .then((snapshot) => {
          // A read that overlapped an eviction may predate the change: answer it, never cache it.
          if (generation === this.generation) this.cache.set(hash, snapshot, readStart);
          return snapshot;
        })
        .finally(() => {
          if (this.loading.get(hash) === loading) this.loading.delete(hash);
        });
      this.loading.set(hash, loading);
    }
    return loading;
  }

  private async load(hash: string): Promise<TokenSnapshot | null> {
    const em = this.orm.em.fork();
    const secret = await em.findOne(TokenSecret, { hash }, { populate: ['token'] });
    if (!secret) return null;
    const token: TokenRecord = secret.token;
    const snapshot: TokenSnapshot = {
      tokenId: token.id,
      kind: token.kind,
      tenantId: token.tenantId,
      name: token.name,
      ownerId: token.ownerId ?? null,
      subjectType: token.subjectType ?? null,
      subjectId: token.subjectId ?? null,
      expiresAt: token.expiresAt?.getTime() ?? null,
      revokedAt: token.revokedAt?.getTime() ?? null,
      disabledAt: token.disabledAt?.getTime() ?? null,
      validUntil: secret.validUntil?.getTime() ?? null,
      extra: {},
    };
    const verifier = this.kindVerifiers.get(token.kind);
    if (verifier?.enrich) snapshot.extra = await verifier.enrich(snapshot, em);
    if (verifier?.relatedIds) snapshot.relatedIds = verifier.relatedIds(snapshot);
    return snapshot;
  }

  /** Writes the coalesced `lastUsedAt` stamps: one statement for all tokens used since the last flush. */
  async flushLastUsed(): Promise<void> {
    if (this.lastUsed.size === 0) return;
    const ids = [...this.lastUsed];
    this.lastUsed.clear();
    try {
      await this.orm.em.fork().nativeUpdate(TokenRecord, { id: { $in: ids } }, { lastUsedAt: this.clock.now() });
    } catch (error) {
      this.logger.warn({ component: 'verifier', err: (error as Error).message }, 'writing last-used stamps failed');
    }
  }

  async close(): Promise<void> {
    if (this.flushTimer) clearInterval(this.flushTimer);
    await this.flushLastUsed();
  }
}
