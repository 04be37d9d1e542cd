import type { MikroORM } from '@mikro-orm/core';
import Redis from 'ioredis';
import type { Clock } from '../core/clock';
import type { Config } from '../core/config';
import { openDatabase } from '../core/db/orm';
import { InProcessBus, RedisBus, type Bus } from '../core/events/bus';
import { EvictionFeed } from '../core/events/eviction-feed';
import { newId } from '../core/ids';
import type { Logger } from '../core/logger';
import { Metrics } from '../core/metrics';
import { LIMITS_REDIS_TIMEOUT_MS } from '../core/rate-limit';
import type { CoreDeps } from '../deps';
import type { Assembly } from '../modules';
import { buildCoreDeps } from '../runtime';

/** Storage, the bus, the core services built on them, and how to let them go. */
export interface Infrastructure {
  instanceId: string;
  orm: MikroORM;
  bus: Bus;
  metrics: Metrics;
  deps: CoreDeps;
  /** Stops the feeds that deliver events and evictions from storage. */
  stopFeeds(): Promise<void>;
  /** Flushes the verifier and closes the bus, the limits' Redis client and the database. */
  close(): Promise<void>;
}

/**
 * Opens the database (migrated, under the startup lock), connects the bus (Redis, or in-process
 * without one), builds the core (verifier, lifecycle, dispatcher, limits) and starts the event
 * dispatcher and the storage eviction feed.
 */
export async function startInfrastructure(
  config: Config,
  options: { clock: Clock; logger: Logger; assembly: Assembly; onQuery?: (sql: string) => void },
): Promise<Infrastructure> {
  const { clock, logger } = options;
  const instanceId = newId('ins');
  const { entities, migrations } = options.assembly;
  const orm = await openDatabase({ database: config.database, entities, migrations, onQuery: options.onQuery });

  let bus: Bus;
  if (config.redisUrl) {
    const redisBus = new RedisBus(instanceId, config.redisUrl, logger, { boundMs: config.verifyCacheTtlMs });
    await redisBus.connect();
    bus = redisBus;
  } else {
    bus = new InProcessBus(instanceId);
  }

  const metrics = new Metrics();
  // Rate-limit counters live in Redis when there is one (shared by every instance), on a client of
  // their own whose commands give up quickly: RateLimits then counts locally instead of stalling.
  const limitsRedis = config.redisUrl
    ? new Redis(config.redisUrl, {
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        commandTimeout: LIMITS_REDIS_TIMEOUT_MS,
        connectTimeout: 2_000,
        retryStrategy: (attempt) => Math.min(50 * attempt, 1000),
      })
    : undefined;
  limitsRedis?.on('error', () => undefined);
  const deps = buildCoreDeps({ config, orm, bus, clock, logger, limitsRedis, onVerdict: metrics.countVerification, assembly: options.assembly });
  await deps.dispatcher.start();
  // Evictions committed by instances that could not reach Redis still arrive, from storage.
  const evictionFeed = new EvictionFeed(orm, bus, clock, logger);
  await evictionFeed.run();
  evictionFeed.start(EvictionFeed.intervalFor(config.verifyCacheTtlMs));

  return {
    instanceId,
    orm,
    bus,
    metrics,
    deps,
    async stopFeeds() {
      await evictionFeed.stop();
      await deps.dispatcher.close();
    },
    async close() {
      await deps.verifier.close();
      await bus.close();
      limitsRedis?.disconnect();
      await orm.close();
    },
  };
}
