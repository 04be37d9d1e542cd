import type { Config } from '../core/config';
import { Retention } from '../core/retention';
import type { CoreDeps } from '../deps';
import { ExpirySweep } from '../notices';
import type { TesseraModule } from '../modules';
import type { Services } from '../services';

/** The background jobs of an instance: the expiry sweep, retention, and the OAuth refresh. */
export interface Jobs {
  sweep: ExpirySweep;
  /** Pruning of events and expired short-lived tokens past retention (tests call `run()`). */
  retention: Retention;
  /** Waits for each job's current batch, then stops it. */
  stop(): Promise<void>;
}

/**
 * Creates the core's jobs and the modules' own (declared in their manifests), and starts them on
 * their intervals unless `run` is false (tests drive them).
 */
export function startJobs(deps: CoreDeps, services: Services, config: Config, modules: readonly TesseraModule[], run: boolean): Jobs {
  const sweep = new ExpirySweep(deps);
  const retention = new Retention(deps);
  // Each module's jobs are typed by the services they use; here is the whole set.
  const moduleJobs = modules.flatMap((module) => [...(module.jobs?.(services as never) ?? [])]);
  if (run) {
    sweep.start(config.sweepIntervalMs);
    retention.start(config.retentionIntervalMs);
    for (const job of moduleJobs) job.start();
  }
  return {
    sweep,
    retention,
    async stop() {
      await Promise.all([sweep.stop(), retention.stop(), ...moduleJobs.map((job) => job.stop())]);
    },
  };
}
