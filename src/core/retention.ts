import type { MikroORM } from '@mikro-orm/core';
import { DAY, type Clock } from './clock';
import type { Config } from './config';
import { TokenEventRecord } from './events/event.entity';
import { EventRetentionRecord, RETENTION_ROW } from './events/retention.entity';
import type { Logger } from './logger';
import { PeriodicJob, type StopSignal } from './periodic-job';
import type { KindRegistry } from './tokens/kind-registry';
import { TokenRecord, TokenSecret } from './tokens/token.entity';

const BATCH = 1_000;

export interface RetentionDeps {
  kinds: KindRegistry;
  orm: MikroORM;
  config: Pick<Config, 'eventRetentionDays' | 'expiredTokenRetentionDays'>;
  clock: Clock;
  logger: Logger;
}

/** What one retention run removed. */
export interface Pruned {
  events: number;
  tokens: number;
}

/**
 * Keeps storage bounded: deletes events older than the event retention, oldest first (so what
 * is left is always a complete suffix of the history, and the watermark says where it starts),
 * and tokens of short-lived kinds expired for longer than their retention. Every instance runs
 * it; deletes are idempotent, so instances running together only share the work. In batches,
 * one transaction each: memory stays bounded and a stop never leaves half a batch.
 */
export class Retention extends PeriodicJob {
  constructor(private readonly deps: RetentionDeps) {
    super('retention', deps.logger);
  }

  /** Prunes what is past retention; resolves with how many rows went. */
  protected async work(shouldStop: StopSignal): Promise<number> {
    const pruned = await this.prune(shouldStop);
    if (pruned.events || pruned.tokens) this.logger.info({ component: 'retention', ...pruned }, 'pruned what is past retention');
    return pruned.events + pruned.tokens;
  }

  /** The highest pruned event id ('0' when none was): replay from an older id would have gaps. */
  static async prunedThrough(orm: MikroORM): Promise<string> {
    const row = await orm.em.fork().findOne(EventRetentionRecord, { id: RETENTION_ROW });
    return String(row?.prunedThrough ?? '0');
  }

  private async prune(shouldStop: StopSignal): Promise<Pruned> {
    const events = await this.pruneEvents(shouldStop);
    const tokens = await this.pruneExpiredTokens(shouldStop);
    return { events, tokens };
  }

  private async pruneEvents(shouldStop: StopSignal): Promise<number> {
    const days = this.deps.config.eventRetentionDays;
    if (days === 0) return 0;
    let pruned = 0;
    for (;;) {
      if (shouldStop()) return pruned;
      const now = this.deps.clock.now();
      const cutoff = new Date(now.getTime() - days * DAY);
      const em = this.deps.orm.em.fork();
      // The oldest events by id (the primary key: no scan of the table), and of those the run that is past retention.
      const oldest = await em.find(TokenEventRecord, {}, { fields: ['id', 'occurredAt'], orderBy: { id: 'asc' }, limit: BATCH });
      const kept = oldest.findIndex((event) => event.occurredAt >= cutoff);
      const old = kept === -1 ? oldest : oldest.slice(0, kept);
      if (old.length === 0) return pruned;
      const through = String(old[old.length - 1].id);
      await em.transactional(async (tx) => {
        // A prefix by id: ids commit in order, so what stays is every event after `through`.
        pruned += await tx.nativeDelete(TokenEventRecord, { id: { $lte: through } });
        await tx.nativeUpdate(EventRetentionRecord, { id: RETENTION_ROW, prunedThrough: { $lt: through } }, { prunedThrough: through, updatedAt: now });
      });
      if (kept !== -1 || oldest.length < BATCH) return pruned;
    }
  }

  private async pruneExpiredTokens(shouldStop: StopSignal): Promise<number> {
    const days = this.deps.config.expiredTokenRetentionDays;
    const kinds = this.deps.kinds.prunable();
    if (days === 0 || kinds.length === 0) return 0;
    let pruned = 0;
    for (;;) {
      if (shouldStop()) return pruned;
      const cutoff = new Date(this.deps.clock.now().getTime() - days * DAY);
      const em = this.deps.orm.em.fork();
      const expired = await em.find(
        TokenRecord,
        { kind: { $in: kinds }, expiresAt: { $lt: cutoff } },
        { fields: ['id'], orderBy: { expiresAt: 'asc' }, limit: BATCH },
      );
      if (expired.length === 0) return pruned;
      const ids = expired.map((token) => token.id);
      await em.transactional(async (tx) => {
        await tx.nativeDelete(TokenSecret, { token: { $in: ids } });
        pruned += await tx.nativeDelete(TokenRecord, { id: { $in: ids } });
      });
      if (expired.length < BATCH) return pruned;
    }
  }
}
