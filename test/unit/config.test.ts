import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/core/config';
import { retryDelayMs } from '../../src/modules/webhooks';

describe('configuration', () => {
  const dataDir = () => mkdtempSync(join(tmpdir(), 'tessera-config-'));

  it('should default to SQLite under the data directory, in-process pub/sub and port 4000', () => {
    const dir = dataDir();
    const config = loadConfig({ TESSERA_DATA_DIR: dir });
    expect(config.port).toBe(4000);
    expect(config.database).toEqual({ type: 'sqlite', path: join(dir, 'tessera.db') });
    expect(config.redisUrl).toBeUndefined();
    expect(config.expiryWarningDays).toEqual([30, 7, 1]);
  });

  it('should generate a server key once into the data directory and reuse it', () => {
    const dir = dataDir();
    const first = loadConfig({ TESSERA_DATA_DIR: dir });
    const second = loadConfig({ TESSERA_DATA_DIR: dir });
    expect(first.secretKey).toHaveLength(32);
    expect(second.secretKey.equals(first.secretKey)).toBe(true);
    expect(readFileSync(join(dir, 'secret.key'), 'utf8').trim()).toBe(first.secretKey.toString('hex'));
  });

  it('should compile GraphQL documents on their second run unless told otherwise (0: never)', () => {
    expect(loadConfig({ TESSERA_DATA_DIR: dataDir() }).graphqlCompileAfter).toBe(2);
    expect(loadConfig({ TESSERA_DATA_DIR: dataDir(), TESSERA_GRAPHQL_COMPILE_AFTER: '0' }).graphqlCompileAfter).toBe(0);
    expect(() => loadConfig({ TESSERA_DATA_DIR: dataDir(), TESSERA_GRAPHQL_COMPILE_AFTER: '-1' })).toThrow(ConfigError);
  });

  it('should keep events 90 days and expired access tokens 7 days unless told otherwise (0: forever)', () => {
    expect(loadConfig({ TESSERA_DATA_DIR: dataDir() })).toMatchObject({ eventRetentionDays: 90, expiredTokenRetentionDays: 7 });
    expect(loadConfig({ TESSERA_DATA_DIR: dataDir(), TESSERA_EVENT_RETENTION_DAYS: '0' }).eventRetentionDays).toBe(0);
  });

  it('should let one gateway verify at full speed on a few instances before a limit answers 429', () => {
    const { rateLimits } = loadConfig({ TESSERA_DATA_DIR: dataDir() });
    // About 17,000 cached verifications a second per instance (bench/README.md): five to six instances' worth.
    expect(rateLimits.verifyPerToken / 60).toBeGreaterThanOrEqual(5 * 17_000);
    expect(rateLimits.verifyPerIp).toBeGreaterThanOrEqual(rateLimits.verifyPerToken);
    expect(rateLimits.authFailuresPerIp).toBe(30);
  });

  it('should deliver webhooks 8 times over about a day, disable after 72 hours, unless told otherwise', () => {
    expect(loadConfig({ TESSERA_DATA_DIR: dataDir() }).webhooks).toEqual({
      maxAttempts: 8,
      retryBaseMs: 5_000,
      disableAfterHours: 72,
      timeoutMs: 10_000,
      pollMs: 1_000,
    });
    expect(loadConfig({ TESSERA_DATA_DIR: dataDir(), TESSERA_WEBHOOK_MAX_ATTEMPTS: '3' }).webhooks.maxAttempts).toBe(3);
    expect(() => loadConfig({ TESSERA_DATA_DIR: dataDir(), TESSERA_WEBHOOK_MAX_ATTEMPTS: '0' })).toThrow(ConfigError);
    expect(() => loadConfig({ TESSERA_DATA_DIR: dataDir(), TESSERA_WEBHOOK_TIMEOUT_MS: 'soon' })).toThrow(ConfigError);
    // The default schedule spans about a day: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (no jitter at 0.5).
    const waits = [1, 2, 3, 4, 5, 6, 7].map((attempts) => retryDelayMs(5_000, attempts, () => 0.5));
    expect(waits).toEqual([5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
    expect(waits.reduce((x, y) => x + y, 0) / 3_600_000).toBeCloseTo(27.6, 1);
    expect(retryDelayMs(5_000, 1, () => 0)).toBe(4_000);
    expect(retryDelayMs(5_000, 1, () => 1)).toBe(6_000);
  });

  it('should turn introspection off in production unless asked for', () => {
    const key = 'cd'.repeat(32);
    expect(loadConfig({ TESSERA_DATA_DIR: dataDir() }).introspection).toBe(true);
    expect(loadConfig({ TESSERA_DATA_DIR: dataDir(), NODE_ENV: 'production', TESSERA_SECRET_KEY: key }).introspection).toBe(false);
    expect(loadConfig({ TESSERA_DATA_DIR: dataDir(), NODE_ENV: 'production', TESSERA_SECRET_KEY: key, TESSERA_INTROSPECTION: 'true' }).introspection).toBe(
      true,
    );
  });

  it('should accept a key as hex or base64', () => {
    const hex = 'ab'.repeat(32);
    expect(loadConfig({ TESSERA_SECRET_KEY: hex, TESSERA_DATA_DIR: dataDir() }).secretKey.toString('hex')).toBe(hex);
    const base64 = Buffer.from(hex, 'hex').toString('base64');
    expect(loadConfig({ TESSERA_SECRET_KEY: base64, TESSERA_DATA_DIR: dataDir() }).secretKey.toString('hex')).toBe(hex);
  });

  const bad: [string, Record<string, string>, RegExp][] = [
    ['a port that is not a number', { PORT: 'abc' }, /PORT must be a whole number/],
    ['a port out of range', { PORT: '70000' }, /PORT must be between/],
    ['a database url of an unknown kind', { DATABASE_URL: 'mysql://x' }, /DATABASE_URL must be/],
    ['a short key', { TESSERA_SECRET_KEY: 'abcd' }, /TESSERA_SECRET_KEY must be 32 bytes/],
    ['a redis url without a scheme', { REDIS_URL: 'localhost:6379' }, /REDIS_URL must start/],
    ['a short bootstrap token', { TESSERA_BOOTSTRAP_ADMIN_TOKEN: 'short' }, /TESSERA_BOOTSTRAP_ADMIN_TOKEN must be 32/],
    ['a public url that is not http', { PUBLIC_URL: 'ftp://x' }, /PUBLIC_URL must be/],
    ['warning days out of range', { TESSERA_EXPIRY_WARNING_DAYS: '30,0' }, /TESSERA_EXPIRY_WARNING_DAYS/],
    ['an event retention that is not a number', { TESSERA_EVENT_RETENTION_DAYS: 'forever' }, /TESSERA_EVENT_RETENTION_DAYS must be a whole number/],
    ['a token retention past a hundred years', { TESSERA_EXPIRED_TOKEN_RETENTION_DAYS: '40000' }, /TESSERA_EXPIRED_TOKEN_RETENTION_DAYS must be between/],
    ['production without a key', { NODE_ENV: 'production' }, /TESSERA_SECRET_KEY is required/],
  ];

  it.each(bad)('should refuse %s with one clear sentence', (_what, env, message) => {
    expect(() => loadConfig({ TESSERA_DATA_DIR: dataDir(), ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ TESSERA_DATA_DIR: dataDir(), ...env })).toThrow(message);
  });

  it('should allow no non-public outbound destination unless TESSERA_OUTBOUND_ALLOWED_HOSTS lists it, and stop on a bad entry', () => {
    expect(loadConfig({ TESSERA_DATA_DIR: dataDir() }).outboundAllowedHosts.size).toBe(0);
    const allowed = loadConfig({
      TESSERA_DATA_DIR: dataDir(),
      TESSERA_OUTBOUND_ALLOWED_HOSTS: 'idp.internal, idp.internal:8443,10.1.2.3,10.0.0.0/8,[::1]:8080,fd00::/8',
    }).outboundAllowedHosts;
    expect(allowed.size).toBe(6);
    expect(allowed.allowsHost('IDP.internal.', 443)).toBe(true);
    expect(allowed.allowsAddress('10.9.9.9', 80)).toBe(true);
    for (const bad of [
      'http://idp.internal',
      'idp.internal:0',
      'idp.internal:99999',
      '10.0.0.0/33',
      '::1]:8080',
      'under_score.host',
      '999.1.1.1',
      '[10.0.0.1]',
    ]) {
      expect(() => loadConfig({ TESSERA_DATA_DIR: dataDir(), TESSERA_OUTBOUND_ALLOWED_HOSTS: bad })).toThrow(/^TESSERA_OUTBOUND_ALLOWED_HOSTS: /);
    }
  });

  it('should read TESSERA_TRUST_PROXY with express semantics and stop on a value it cannot read', () => {
    const trust = (value?: string) => loadConfig({ TESSERA_DATA_DIR: dataDir(), TESSERA_TRUST_PROXY: value }).trustProxy;
    expect(trust()).toBe(false);
    expect(trust('false')).toBe(false);
    expect(trust('true')).toBe(true);
    expect(trust('2')).toBe(2);
    expect(trust('loopback, 10.0.0.0/8,fd00::1')).toEqual(['loopback', '10.0.0.0/8', 'fd00::1']);
    for (const bad of ['yes', '10.0.0.0/33', 'loopback,,uniquelocal', 'proxy.internal', '999']) {
      expect(() => trust(bad)).toThrow(ConfigError);
      expect(() => trust(bad)).toThrow(/^TESSERA_TRUST_PROXY must be/);
    }
  });
});
