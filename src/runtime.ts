import type { MikroORM } from '@mikro-orm/core';
import type Redis from 'ioredis';
import type { Clock } from './core/clock';
import type { Config } from './core/config';
import type { Bus } from './core/events/bus';
import { EventDispatcher } from './core/events/dispatcher';
import { Lifecycle } from './core/events/outbox';
import type { Logger } from './core/logger';
import { RateLimits } from './core/rate-limit';
import { SecretBox } from './core/secrets';
import { TokenStore } from './core/tokens/token-store';
import type { CoreDeps } from './deps';
import { Verifier } from './verify';
import { KindRegistry } from './core/tokens/kind-registry';
import { ASSEMBLY, type Assembly } from './modules';

/** What {@link buildCoreDeps} assembles the core from: storage, the bus, time and the log. */
export interface CoreParts {
  config: Config;
  orm: MikroORM;
  bus: Bus;
  clock: Clock;
  logger: Logger;
  /** A Redis client for rate-limit counters shared by every instance; in memory without one. */
  limitsRedis?: Redis;
  /** Told every verification's outcome (the server counts them for /metrics). */
  onVerdict?: (reason: string | null) => void;
  /** The modules' kinds and verify hooks (every module by default). */
  assembly?: Pick<Assembly, 'kindDefinitions' | 'kindVerifiers'>;
}

/**
 * The one wiring of what every module's service is built from, shared by the server and the
 * `tessera` command, so that both act on the database with the same rules, keys and clock.
 * The kinds of token and their verification come from the modules' manifests (one registry
 * instance). Nothing is started here: the server starts the dispatcher and the jobs it runs.
 */
export function buildCoreDeps({ config, orm, bus, clock, logger, limitsRedis, onVerdict, assembly = ASSEMBLY }: CoreParts): CoreDeps {
  const box = new SecretBox(config.secretKey);
  const kinds = new KindRegistry(assembly.kindDefinitions, config.warningWindowDays);
  const verifier = new Verifier(
    orm,
    box,
    bus,
    clock,
    logger,
    {
      disconnectedTtlMs: config.verifyCacheTtlMs,
      lastUsedFlushMs: config.lastUsedFlushMs,
      onVerdict,
    },
    assembly.kindVerifiers,
  );
  const lifecycle = new Lifecycle(orm, bus, clock, kinds);
  const dispatcher = new EventDispatcher(orm, bus, logger, config.eventPollMs);
  const limits = new RateLimits(config.rateLimits, limitsRedis);
  return { orm, config, clock, logger, box, kinds, lifecycle, tokens: new TokenStore(box, config.expiryWarningDays, kinds), verifier, dispatcher, limits };
}
