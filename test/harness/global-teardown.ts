/** Jest `globalTeardown`: stops the servers started by `global-setup.ts`. */
import { SHARED_SERVICES_KEY, sharedServicesSlot } from './global-setup';

/** Stops the shared PostgreSQL and Redis, if any were started. */
export default async function globalTeardown(): Promise<void> {
  const services = sharedServicesSlot[SHARED_SERVICES_KEY];
  if (!services) return;
  sharedServicesSlot[SHARED_SERVICES_KEY] = undefined;
  await Promise.all([services.postgres.stop(), services.redis.stop()]);
}
