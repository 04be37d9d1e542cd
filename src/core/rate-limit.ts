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
}

export type RateLimitName = keyof RateLimitSettings;

/** Thrown when a limit is hit: answered with 429 and Retry-After (REST) or RATE_LIMITED (GraphQL). */
export class RateLimitedError extends AppError {
  constructor(readonly retryAfterSeconds: number) {
    super(ErrorCode.RATE_LIMITED, `Too many requests: retry after ${retryAfterSeconds} s.`);
  }
}

/**
 * Fixed-window limits shared by every instance through Redis (rate-limiter-flexible), or kept in
 * memory for the embedded default. While Redis is unreachable each instance falls back to its
 * own in-memory window rather than failing open or closed.
 */
export class RateLimits {
  private readonly limiters = new Map<RateLimitName, RateLimiterAbstract>();

  constructor(settings: RateLimitSettings, redis?: Redis) {
    for (const [name, points] of Object.entries(settings) as [RateLimitName, number][]) {
      if (points <= 0) continue;
      const options = { keyPrefix: `tessera:rl:${name}`, points, duration: 60 };
      const memory = new RateLimiterMemory(options);
      this.limiters.set(name, redis ? new RateLimiterRedis({ ...options, storeClient: redis, insuranceLimiter: memory, useRedisPackage: false }) : memory);
    }
  }

  /**
   * Counts one hit on `key`; throws {@link RateLimitedError} past the limit. In-memory limits
   * answer synchronously (see {@link memoryStorageOf}); Redis-backed ones return a promise.
   */
  consume(name: RateLimitName, key: string): Maybe<void> {
    const limiter = this.limiters.get(name);
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
        throw rejection instanceof RateLimiterRes ? limitedFor(rejection) : rejection;
      },
    );
  }

  /** Whether `key` is already past the limit, without counting a hit (synchronous in memory). */
  isBlocked(name: RateLimitName, key: string): Maybe<RateLimitedError | null> {
    const limiter = this.limiters.get(name);
    if (!limiter) return null;
    const judge = (state: RateLimiterRes | null) => (state && state.consumedPoints > limiter.points ? limitedFor(state) : null);
    const storage = memoryStorageOf(limiter);
    return storage ? judge(storage.get(limiter.getKey(key))) : limiter.get(key).then(judge);
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