import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { RateLimitSettings } from './rate-limit';
import { DEFAULT_COMPILE_AFTER } from './graphql/jit-executor';
import type { QueryLimits } from './graphql/limits';
import { OutboundAllowList } from './outbound';
import { parseTrustProxy, type TrustProxy } from './client-address';

/** Where records live. */
export type DatabaseConfig = { type: 'sqlite'; path: string } | { type: 'postgres'; url: string };

/** Everything Tessera reads from its environment, validated. */
/** How webhooks are delivered (see the webhooks module). */
export interface WebhookSettings {
  /** Attempts per delivery before it is FAILED. @default 8 */
  maxAttempts: number;
  /** The first retry's delay; later ones grow to span about a day. @default 5000 */
  retryBaseMs: number;
  /** An endpoint failing every delivery this long is disabled. @default 72 */
  disableAfterHours: number;
  /** How long one attempt may take. @default 10000 */
  timeoutMs: number;
  /** How often each instance looks for new events and due deliveries. @default 1000 */
  pollMs: number;
}

export interface Config {
  /** HTTP port; 0 picks a free one. @default 4000 */
  port: number;
  /** Bind address. @default '0.0.0.0' */
  host: string;
  database: DatabaseConfig;
  /** Redis for fan-out between instances; unset: in-process pub/sub (one instance). */
  redisUrl?: string;
  /** 32 bytes: keys the lookup hash and the value cipher. */
  secretKey: Buffer;
  /** The address users reach Tessera at, for links and curl examples. */
  publicUrl: string;
  /** An operator-chosen value (32+ characters) that becomes the first administrator's token. */
  bootstrapAdminToken?: string;
  production: boolean;
  /** Directory for the embedded database and the generated key. @default './data' */
  dataDir: string;
  logLevel: string;
  /** Days before expiry at which EXPIRING_SOON is emitted, largest first. @default [30, 7, 1] */
  expiryWarningDays: number[];
  /** The EXPIRING window in days: the largest warning threshold (computed once, here). @default 30 */
  warningWindowDays: number;
  /** How often each instance sweeps for expiring tokens. @default 60000 */
  sweepIntervalMs: number;
  /** Days events are kept (history and `after` replay); 0 keeps them forever. @default 90 */
  eventRetentionDays: number;
  /** Days expired tokens of short-lived kinds (app access tokens) are kept; 0 keeps them forever. @default 7 */
  expiredTokenRetentionDays: number;
  /** How often each instance prunes what is past retention. @default 3600000 (an hour) */
  retentionIntervalMs: number;
  /** How often coalesced `lastUsedAt` stamps are written. @default 5000 */
  lastUsedFlushMs: number;
  /** How often each instance reads the event table when no wake-up arrives. @default 2000 */
  eventPollMs: number;
  /** Longest a verification result is cached: the bound on staleness when Redis is down. @default 5000 */
  verifyCacheTtlMs: number;
  /** Whether introspection is on. @default !production */
  introspection: boolean;
  /**
   * Runs of a GraphQL document by graphql-js before it is compiled with graphql-jit; 0 never
   * compiles (graphql-js executes everything). @default 2
   */
  graphqlCompileAfter: number;
  /** How long before an outbound OAuth token expires Tessera refreshes it. @default 300000 (5 minutes) */
  oauthRefreshLeadMs: number;
  /** How often each instance looks for outbound OAuth tokens due for refresh. @default 30000 */
  oauthRefreshIntervalMs: number;
  /** Webhook delivery (Standard Webhooks): attempts, backoff, timeouts, automatic disabling. */
  webhooks: WebhookSettings;
  /** Per-minute limits (0 switches one off). */
  rateLimits: RateLimitSettings;
  /** Subscriptions one graphql-ws connection may hold. @default 50 */
  maxSubscriptionsPerConnection: number;
  /** graphql-ws connections one token may hold, per instance. @default 100 */
  maxConnectionsPerToken: number;
  /** How long a graphql-ws connection may wait before `connection_init`. @default 5000 */
  wsInitTimeoutMs: number;
  /** Limits on one GraphQL document. */
  queryLimits: QueryLimits;
  /**
   * Non-public destinations outbound calls (OAuth providers) may reach anyway, from
   * `TESSERA_OUTBOUND_ALLOWED_HOSTS`: host names, `host:port`, IP addresses and CIDR ranges,
   * comma-separated. @default none: only public addresses
   */
  outboundAllowedHosts: OutboundAllowList;
  /**
   * Which proxies in front of Tessera are trusted to name the client (`TESSERA_TRUST_PROXY`,
   * Express's `trust proxy` semantics): the address every rate limit and audit entry uses.
   * @default false: the peer's address, X-Forwarded-For ignored
   */
  trustProxy: TrustProxy;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got ${JSON.stringify(raw)}`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function parseDatabase(raw: string | undefined, dataDir: string): DatabaseConfig {
  if (!raw) return { type: 'sqlite', path: join(dataDir, 'tessera.db') };
  if (raw.startsWith('postgres://') || raw.startsWith('postgresql://')) {
    try {
      new URL(raw);
    } catch {
      throw new ConfigError('DATABASE_URL is not a valid postgres:// URL');
    }
    return { type: 'postgres', url: raw };
  }
  const sqlite = /^(?:sqlite|file):(?:\/\/)?(.+)$/.exec(raw);
  if (sqlite) return { type: 'sqlite', path: sqlite[1] };
  throw new ConfigError('DATABASE_URL must be postgres://…, sqlite:PATH or file:PATH');
}

function parseKey(raw: string): Buffer {
  const trimmed = raw.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  const decoded = Buffer.from(trimmed, 'base64');
  if (decoded.length === 32 && /^[A-Za-z0-9+/_-]+=*$/.test(trimmed)) return decoded;
  throw new ConfigError('TESSERA_SECRET_KEY must be 32 bytes: 64 hex characters or base64');
}

function loadOrCreateKey(dataDir: string): Buffer {
  const file = join(dataDir, 'secret.key');
  if (existsSync(file)) return parseKey(readFileSync(file, 'utf8'));
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, key.toString('hex') + '\n', { mode: 0o600 });
  return key;
}

function parseThresholds(raw: string | undefined): number[] {
  if (!raw) return [30, 7, 1];
  const days = raw.split(',').map((part) => part.trim());
  if (days.some((day) => !/^\d+$/.test(day) || Number(day) < 1 || Number(day) > 365)) {
    throw new ConfigError('TESSERA_EXPIRY_WARNING_DAYS must be a comma-separated list of days between 1 and 365');
  }
  return [...new Set(days.map(Number))].sort((a, b) => b - a);
}

/**
 * Reads and validates the configuration. Throws {@link ConfigError} with one clear sentence on
 * the first bad value. Without `TESSERA_SECRET_KEY` outside production, a key is generated
 * once into the data directory and reused.
 */
export function loadConfig(env: Env = process.env): Config {
  const production = env.NODE_ENV === 'production';
  const dataDir = resolve(env.TESSERA_DATA_DIR || './data');
  const port = integer(env, 'PORT', 4000, 0, 65535);
  const database = parseDatabase(env.DATABASE_URL, dataDir);

  let secretKey: Buffer;
  if (env.TESSERA_SECRET_KEY) secretKey = parseKey(env.TESSERA_SECRET_KEY);
  else if (production) throw new ConfigError('TESSERA_SECRET_KEY is required when NODE_ENV=production');
  else secretKey = loadOrCreateKey(dataDir);

  const redisUrl = env.REDIS_URL || undefined;
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) throw new ConfigError('REDIS_URL must start with redis:// or rediss://');

  const expiryWarningDays = parseThresholds(env.TESSERA_EXPIRY_WARNING_DAYS);
  const publicUrl = (env.PUBLIC_URL || `http://localhost:${port}`).replace(/\/+$/, '');
  try {
    const url = new URL(publicUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('protocol');
  } catch {
    throw new ConfigError('PUBLIC_URL must be an http:// or https:// URL');
  }

  const bootstrapAdminToken = env.TESSERA_BOOTSTRAP_ADMIN_TOKEN || undefined;
  if (bootstrapAdminToken !== undefined && (bootstrapAdminToken.length < 32 || bootstrapAdminToken.length > 256 || /\s/.test(bootstrapAdminToken))) {
    throw new ConfigError('TESSERA_BOOTSTRAP_ADMIN_TOKEN must be 32 to 256 characters with no white space');
  }

  let outboundAllowedHosts: OutboundAllowList;
  try {
    outboundAllowedHosts = OutboundAllowList.parse(env.TESSERA_OUTBOUND_ALLOWED_HOSTS);
  } catch (error) {
    throw new ConfigError(`TESSERA_OUTBOUND_ALLOWED_HOSTS: ${(error as Error).message}`);
  }

  let trustProxy: TrustProxy;
  try {
    trustProxy = parseTrustProxy(env.TESSERA_TRUST_PROXY);
  } catch (error) {
    throw new ConfigError(
      `TESSERA_TRUST_PROXY must be true, false, a hop count or comma-separated addresses, CIDR ranges, loopback, linklocal or uniquelocal: ${(error as Error).message}`,
    );
  }

  return {
    port,
    host: env.HOST || '0.0.0.0',
    database,
    redisUrl,
    secretKey,
    publicUrl,
    bootstrapAdminToken,
    production,
    dataDir,
    logLevel: env.LOG_LEVEL || 'info',
    expiryWarningDays,
    warningWindowDays: expiryWarningDays[0] ?? 30,
    sweepIntervalMs: integer(env, 'TESSERA_SWEEP_INTERVAL_MS', 60_000, 100, 86_400_000),
    eventRetentionDays: integer(env, 'TESSERA_EVENT_RETENTION_DAYS', 90, 0, 36_500),
    expiredTokenRetentionDays: integer(env, 'TESSERA_EXPIRED_TOKEN_RETENTION_DAYS', 7, 0, 36_500),
    retentionIntervalMs: integer(env, 'TESSERA_RETENTION_INTERVAL_MS', 3_600_000, 1_000, 86_400_000),
    lastUsedFlushMs: integer(env, 'TESSERA_LAST_USED_FLUSH_MS', 5_000, 10, 600_000),
    eventPollMs: integer(env, 'TESSERA_EVENT_POLL_MS', 2_000, 50, 600_000),
    verifyCacheTtlMs: integer(env, 'TESSERA_VERIFY_CACHE_TTL_MS', 5_000, 0, 600_000),
    introspection: env.TESSERA_INTROSPECTION ? env.TESSERA_INTROSPECTION === 'true' : !production,
    graphqlCompileAfter: integer(env, 'TESSERA_GRAPHQL_COMPILE_AFTER', DEFAULT_COMPILE_AFTER, 0, 1_000_000),
    oauthRefreshLeadMs: integer(env, 'TESSERA_OAUTH_REFRESH_LEAD_MS', 300_000, 0, 86_400_000),
    oauthRefreshIntervalMs: integer(env, 'TESSERA_OAUTH_REFRESH_INTERVAL_MS', 30_000, 100, 86_400_000),
    webhooks: {
      maxAttempts: integer(env, 'TESSERA_WEBHOOK_MAX_ATTEMPTS', 8, 1, 50),
      retryBaseMs: integer(env, 'TESSERA_WEBHOOK_RETRY_BASE_MS', 5_000, 1, 3_600_000),
      disableAfterHours: integer(env, 'TESSERA_WEBHOOK_DISABLE_AFTER_HOURS', 72, 1, 8_760),
      timeoutMs: integer(env, 'TESSERA_WEBHOOK_TIMEOUT_MS', 10_000, 100, 120_000),
      pollMs: integer(env, 'TESSERA_WEBHOOK_POLL_MS', 1_000, 50, 600_000),
    },
    rateLimits: {
      authFailuresPerIp: integer(env, 'TESSERA_RATE_AUTH_FAILURES_PER_MINUTE', 30, 0, 1_000_000),
      // A gateway verifies with one token from one address: the defaults (100,000/s) let it use a
      // few instances at full speed (~17,000/s each) before a limit answers 429 (README: sizing).
      verifyPerToken: integer(env, 'TESSERA_RATE_VERIFY_PER_TOKEN_PER_MINUTE', 6_000_000, 0, 1_000_000_000),
      verifyPerIp: integer(env, 'TESSERA_RATE_VERIFY_PER_IP_PER_MINUTE', 6_000_000, 0, 1_000_000_000),
      ingressPerKey: integer(env, 'TESSERA_RATE_INGRESS_PER_MINUTE', 60_000, 0, 100_000_000),
      leaksPerIp: integer(env, 'TESSERA_RATE_LEAKS_PER_IP_PER_MINUTE', 60, 0, 1_000_000),
      ingressRefusalsStoredPerEndpoint: integer(env, 'TESSERA_INGRESS_REFUSALS_STORED_PER_MINUTE', 60, 0, 1_000_000),
    },
    maxSubscriptionsPerConnection: integer(env, 'TESSERA_MAX_SUBSCRIPTIONS_PER_CONNECTION', 50, 1, 10_000),
    maxConnectionsPerToken: integer(env, 'TESSERA_MAX_CONNECTIONS_PER_TOKEN', 100, 1, 100_000),
    wsInitTimeoutMs: integer(env, 'TESSERA_WS_INIT_TIMEOUT_MS', 5_000, 100, 60_000),
    queryLimits: {
      maxDepth: integer(env, 'TESSERA_MAX_QUERY_DEPTH', 10, 2, 100),
      maxAliases: integer(env, 'TESSERA_MAX_ALIASES', 15, 1, 1000),
      maxCost: integer(env, 'TESSERA_MAX_QUERY_COST', 50_000, 10, 10_000_000),
      maxDirectives: integer(env, 'TESSERA_MAX_DIRECTIVES', 20, 1, 1000),
    },
    outboundAllowedHosts,
    trustProxy,
  };
}
