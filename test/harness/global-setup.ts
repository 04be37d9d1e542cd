/**
 * Jest `globalSetup`: starts ONE private PostgreSQL and ONE private Redis for
 * the whole run and hands their urls to the test workers through
 * `TESSERA_TEST_PG_URL` and `TESSERA_TEST_REDIS_URL`.
 * Set `TESSERA_TEST_SKIP_SERVICES=1` to start nothing.
 */
import { ensureBinaries, startPostgres, startRedis, type PostgresServer, type RedisServer } from './services';

/** The servers shared by a run, kept on `globalThis` for the teardown. */
export interface SharedServices {
  postgres: PostgresServer;
  redis: RedisServer;
}

/** The `globalThis` key under which {@link SharedServices} are stored. */
export const SHARED_SERVICES_KEY = Symbol.for('tessera.test.sharedServices');

/** The slot on `globalThis` holding the shared servers. */
export const sharedServicesSlot = globalThis as unknown as Record<typeof SHARED_SERVICES_KEY, SharedServices | undefined>;

/** Starts the shared servers unless `TESSERA_TEST_SKIP_SERVICES=1`. */
export default async function globalSetup(): Promise<void> {
  if (process.env.TESSERA_TEST_SKIP_SERVICES === '1') return;
  await ensureBinaries();
  const [postgres, redis] = await Promise.allSettled([startPostgres(), startRedis()]);
  if (postgres.status === 'rejected' || redis.status === 'rejected') {
    if (postgres.status === 'fulfilled') await postgres.value.stop();
    if (redis.status === 'fulfilled') await redis.value.stop();
    throw postgres.status === 'rejected' ? postgres.reason : (redis as PromiseRejectedResult).reason;
  }
  sharedServicesSlot[SHARED_SERVICES_KEY] = { postgres: postgres.value, redis: redis.value };
  process.env.TESSERA_TEST_PG_URL = postgres.value.url;
  process.env.TESSERA_TEST_REDIS_URL = redis.value.url;
}
