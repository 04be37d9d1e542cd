import Redis from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { memoryStorageOf, RateLimitedError, RateLimits, type RateLimitSettings } from '../../src/core/rate-limit';

const SETTINGS: RateLimitSettings = {
  authFailuresPerIp: 3,
  verifyPerToken: 5,
  verifyPerIp: 0,
  ingressPerKey: 5,
  leaksPerIp: 5,
  ingressRefusalsStoredPerEndpoint: 5,
};

/** Outcome of one hit: null (let through) or the seconds a refusal asks to wait. */
function hitNow(limits: RateLimits, key: string): number | null {
  try {
    const outcome = limits.consume('verifyPerToken', key);
    expect(outcome).toBeUndefined(); // answered now, not promised
    return null;
  } catch (error) {
    expect(error).toBeInstanceOf(RateLimitedError);
    return (error as RateLimitedError).retryAfterSeconds;
  }
}

describe('RateLimits in memory', () => {
  it('should count synchronously, refuse past the limit with a Retry-After, and count each key apart', () => {
    const limits = new RateLimits(SETTINGS);
    const outcomes = Array.from({ length: 7 }, () => hitNow(limits, 'a'));
    expect(outcomes.slice(0, 5)).toEqual([null, null, null, null, null]);
    for (const wait of outcomes.slice(5)) {
      expect(wait).toBeGreaterThanOrEqual(1);
      expect(wait).toBeLessThanOrEqual(60);
    }
    expect(hitNow(limits, 'b')).toBeNull();
  });

  it("should let through and refuse exactly the hits the library's own promise API does", async () => {
    const limits = new RateLimits(SETTINGS);
    const library = new RateLimiterMemory({ points: 5, duration: 60 });
    for (let i = 0; i < 9; i += 1) {
      const ours = hitNow(limits, 'k') === null;
      const theirs = await library.consume('k').then(
        () => true,
        (rejection: unknown) => (rejection instanceof RateLimiterRes ? false : Promise.reject(rejection)),
      );
      expect(ours).toBe(theirs);
    }
  });

  it('should say synchronously whether a key is past its limit without counting a hit', () => {
    const limits = new RateLimits(SETTINGS);
    for (let i = 0; i < 10; i += 1) expect(limits.isBlocked('authFailuresPerIp', 'ip')).toBeNull();
    for (let i = 0; i < 3; i += 1) limits.consume('authFailuresPerIp', 'ip');
    expect(limits.isBlocked('authFailuresPerIp', 'ip')).toBeNull();
    expect(() => limits.consume('authFailuresPerIp', 'ip')).toThrow(RateLimitedError);
    expect(limits.isBlocked('authFailuresPerIp', 'ip')).toBeInstanceOf(RateLimitedError);
    expect(limits.isBlocked('authFailuresPerIp', 'other')).toBeNull();
  });

  it('should switch a limit of 0 off', () => {
    const limits = new RateLimits(SETTINGS);
    for (let i = 0; i < 100; i += 1) expect(limits.consume('verifyPerIp', 'ip')).toBeUndefined();
  });

  it('should find the synchronous store only in an in-memory limiter', () => {
    expect(memoryStorageOf(new RateLimiterMemory({ points: 1, duration: 1 }))).toBeDefined();
    const redis = new Redis({ lazyConnect: true });
    // Through Redis the answer is a promise (the store is shared by every instance).
    expect(memoryStorageOf(new RateLimiterRedis({ storeClient: redis, points: 1, duration: 1, useRedisPackage: false }))).toBeUndefined();
    redis.disconnect();
  });
});
