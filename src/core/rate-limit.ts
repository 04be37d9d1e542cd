import type Redis from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { AppError, ErrorCode } from './errors';
import type { Maybe } from './maybe';

/** What is limited, and how much per minute (0 switches a limit off). */
export interface RateLimitSettings {
  /** Failed authentications per client IP per minute. @default 30 */
  authFailuresPerIp: number;
  /** Verifications per calling token per minute. @default 60000 */
  verifyPerToken: number;
  /** Requests per client IP per minute on the verify route. @default 120000 */
  verifyPerIp: number;
  /** Ingress calls per presented token (or IP, without one) per minute. @default 60000 */
  ingressPerKey: number;
  /** Leak reports per client IP per minute. @default 60 */
  leaksPerIp: number;
  /** Refused ingress calls recorded per endpoint per minute (the rest are answered, not stored). @default 60 */
  ingressRefusalsStoredPerEndpoint: number;
}

export type RateLimitName = keyof RateLimitSettings;

/** Thrown when a limit is hit: answered with 429 and Retry-After (REST) or RATE_LIMITED (GraphQL). */
export class RateLimitedError extends AppError {
  constructor(readonly retryAfterSeconds: number) {
    super(ErrorCode.RATE_LIMITED, `Too many requests: retry after ${retryAfterSeconds} s.`);
  }
}

/** The longest a Redis-backed limit waits for Redis before counting locally (the limits client's command timeout). */
export const LIMITS_REDIS_TIMEOUT_MS = 250;

/** After Redis failed or timed out, limits are counted locally this long before Redis is tried again. */
export const LIMITS_LOCAL_FALLBACK_MS = 1_000;

/**
 * Fixed-window limits shared by every instance through Redis (rate-limiter-flexible), or kept in
 * memory for the embedded default. While Redis is unreachable or does not answer within
 * {@link LIMITS_REDIS_TIMEOUT_MS} (the command timeout of the client given here), each instance
 * counts in its own in-memory window for {@link LIMITS_LOCAL_FALLBACK_MS} before trying Redis
 * again, rather than failing open or closed or stalling requests: a hung Redis costs at most one
 * timeout per request, and only for requests that arrive while a probe is in flight.
 */
export class RateLimits {
  private readonly limiters = new Map<RateLimitName, RateLimiterAbstract>();
  private readonly local = new Map<RateLimitName, RateLimiterMemory>();
  /** Until when (epoch ms) Redis-backed limits count locally. */
  private localUntil = 0;

  constructor(settings: RateLimitSettings, redis?: Redis) {
    for (const [name, points] of Object.entries(settings) as [RateLimitName, number][]) {
      if (points <= 0) continue;
      const options = { keyPrefix: `tessera:rl:${name}`, points, duration: 60 };
      const memory = new RateLimiterMemory(options);
      this.local.set(name, memory);
      this.limiters.set(name, redis ? new RateLimiterRedis({ ...options, storeClient: redis, useRedisPackage: false }) : memory);
    }
  }

  /** The limiter to count with now: the in-memory one while Redis is being skipped. */
  private limiterFor(name: RateLimitName): RateLimiterAbstract | undefined {
    return this.localUntil > 0 && Date.now() < this.localUntil ? this.local.get(name) : this.limiters.get(name);
  }

  /** Redis failed (or timed out): count locally for a while, starting with this request. */
  private fallBack<T>(name: RateLimitName, error: unknown, again: () => Maybe<T>): Maybe<T> {
    if (!this.local.has(name) || error instanceof RateLimiterRes) throw error;
    this.localUntil = Date.now() + LIMITS_LOCAL_FALLBACK_MS;
    return again();
  }

  /**
   * Counts one hit on `key`; throws {@link RateLimitedError} past the limit. In-memory limits
   * answer synchronously (see {@link memoryStorageOf}); Redis-backed ones return a promise.
   */
  consume(name: RateLimitName, key: string): Maybe<void> {
    const limiter = this.limiterFor(name);
    if (!limiter) return;
    const storage = memoryStorageOf(limiter);
    if (storage) {
      const state = storage.incrby(limiter.getKey(key), 1, limiter.duration);
      if (state.consumedPoints > limiter.points) throw limitedFor(state);
      return;
    }
    return limiter.consume(key).then(
      () => undefined,
      (rejection: unknown) => {
        if (rejection instanceof RateLimiterRes) throw limitedFor(rejection);
        return this.fallBack(name, rejection, () => this.consume(name, key));
      },
    );
  }

  /** Whether `key` is already past the limit, without counting a hit (synchronous in memory). */
  isBlocked(name: RateLimitName, key: string): Maybe<RateLimitedError | null> {
    const limiter = this.limiterFor(name);
    if (!limiter) return null;
    const judge = (state: RateLimiterRes | null) => (state && state.consumedPoints > limiter.points ? limitedFor(state) : null);
    const storage = memoryStorageOf(limiter);
    if (storage) return judge(storage.get(limiter.getKey(key)));
    return limiter.get(key).then(judge, (error: unknown) => this.fallBack(name, error, () => this.isBlocked(name, key)));
  }
}

function limitedFor(state: RateLimiterRes): RateLimitedError {
  return new RateLimitedError(Math.max(1, Math.ceil(state.msBeforeNext / 1000)));
}

/** The store inside rate-limiter-flexible's RateLimiterMemory (11.x), which it only wraps in promises. */
interface MemoryStorage {
  incrby(key: string, points: number, durationSeconds: number): RateLimiterRes;
  get(key: string): RateLimiterRes | null;
}

/**
 * The synchronous store of an in-memory limiter, or undefined (Redis-backed, or a library version
 * whose internals differ: then the promise API is used, slower but the same limits).
 * RateLimiterMemory.consume is `incrby` on this store wrapped in a promise (we use neither
 * blockDuration nor execEvenly, its only other branches); on the verify hot path those promises
 * cost more than the counting. test/unit/rate-limit.test.ts holds both paths to the same answers.
 */
export function memoryStorageOf(limiter: RateLimiterAbstract): MemoryStorage | undefined {
  if (!(limiter instanceof RateLimiterMemory)) return undefined;
  const storage = (limiter as unknown as { _memoryStorage?: Partial<MemoryStorage> })._memoryStorage;
  return typeof storage?.incrby === 'function' && typeof storage.get === 'function' ? (storage as MemoryStorage) : undefined;
}
