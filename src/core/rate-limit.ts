import type Redis from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { AppError, ErrorCode } from './errors';

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

  /** Counts one hit on `key`; throws {@link RateLimitedError} past the limit. */
  async consume(name: RateLimitName, key: string): Promise<void> {
    const limiter = this.limiters.get(name);
    if (!limiter) return;
    try {
      await limiter.consume(key);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) throw new RateLimitedError(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)));
      throw rejection;
    }
  }

  /** Whether `key` is already past the limit, without counting a hit. */
  async isBlocked(name: RateLimitName, key: string): Promise<RateLimitedError | null> {
    const limiter = this.limiters.get(name);
    if (!limiter) return null;
    const state = await limiter.get(key);
    if (state && state.consumedPoints > limiter.points) return new RateLimitedError(Math.max(1, Math.ceil(state.msBeforeNext / 1000)));
    return null;
  }
}
