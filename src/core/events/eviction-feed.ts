import type { MikroORM } from '@mikro-orm/core';
import type { Clock } from '../clock';
import type { Logger } from '../logger';
import { PeriodicJob } from '../periodic-job';
import type { Bus } from './bus';
import { EvictionRecord } from './eviction.entity';

/** Rows read per query. */
const PAGE = 500;
/** Evictions are kept this long (an instance further behind re-reads its whole cache anyway: it restarted). */
const KEEP_MS = 60 * 60 * 1000;
/** Pruning runs once per this many reads. */
const PRUNE_EVERY = 600;

/**
 * The storage path of cache evictions: every instance reads the evictions committed since its
 * last read (`cache_evictions`, written by {@link Lifecycle} in the change's transaction) and
 * hands them to its own handlers as if they had come over the bus. Redis delivers evictions at
 * once; this is what still delivers them when the revoking instance could not reach Redis while
 * every other instance, its bus healthy, trusts its cache. Ids commit in order (the outbox's
 * lock), so "every row after the last one read" misses nothing. Evicting twice is harmless.
 */
export class EvictionFeed extends PeriodicJob {
  private cursor: string | null = null;
  private reads = 0;
  private failing = false;

  constructor(
    private readonly orm: MikroORM,
    private readonly bus: Bus,
    private readonly clock: Clock,
    logger: Logger,
  ) {
    super('eviction-feed', logger);
  }

  protected async work(): Promise<number> {
    try {
      const delivered = await this.read();
      if (++this.reads % PRUNE_EVERY === 0) await this.prune();
      if (this.failing) this.logger.info({ component: 'eviction-feed' }, 'reading evictions from storage works again');
      this.failing = false;
      return delivered;
    } catch (error) {
      // Once per outage: storage being down is reported by the requests that need it.
      if (!this.failing) this.logger.warn({ component: 'eviction-feed', err: (error as Error).message }, 'reading evictions from storage failed; retrying');
      this.failing = true;
      return 0;
    }
  }

  private async read(): Promise<number> {
    const em = this.orm.em.fork();
    if (this.cursor === null) {
      // Start after what is there: this instance's cache is empty at start.
      const [last] = await em.find(EvictionRecord, {}, { orderBy: { id: 'desc' }, limit: 1, fields: ['id'] });
      this.cursor = last?.id ?? '0';
      return 0;
    }
    let delivered = 0;
    for (;;) {
      const rows: EvictionRecord[] = await em.find(EvictionRecord, { id: { $gt: this.cursor as string } }, { orderBy: { id: 'asc' }, limit: PAGE });
      for (const row of rows) {
        this.cursor = row.id;
        const ids = row.tokenIds.split(',').filter(Boolean);
        if (ids.length === 0) continue;
        this.bus.deliverLocally({ origin: 'storage', evictTokenIds: ids });
        delivered += 1;
      }
      if (rows.length < PAGE) return delivered;
    }
  }

  private async prune(): Promise<void> {
    await this.orm.em.fork().nativeDelete(EvictionRecord, { createdAt: { $lt: new Date(this.clock.now().getTime() - KEEP_MS) } });
  }

  /** How often to read: well inside the bound, at most once a second. */
  static intervalFor(boundMs: number): number {
    return Math.min(1_000, Math.max(100, Math.floor(boundMs / 5)));
  }
}
