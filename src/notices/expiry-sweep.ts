import { DAY } from '../core/clock';
import { TokenEventType } from '../core/events/event.entity';
import { nextNotice, thresholdsOf } from '../core/tokens/token-status';
import { TokenRecord } from '../core/tokens/token.entity';
import type { CoreDeps } from '../deps';
import { NoticeService } from './notice.service';
import { PeriodicJob, type StopSignal } from '../core/periodic-job';

const BATCH = 500;

/**
 * The claim's compare: the stored time as read, to the millisecond. A JavaScript Date holds
 * milliseconds while PostgreSQL keeps microseconds, so a row written with finer times (an import,
 * a hand fix in SQL) would never equal what was read, and its notices would never be claimed.
 */
function withinItsMillisecond(at: Date): { $gte: Date; $lt: Date } {
  return { $gte: at, $lt: new Date(at.getTime() + 1) };
}

/**
 * Emits EXPIRING_SOON once per warning threshold and EXPIRED once per token, exactly once
 * however many instances sweep: each notice is claimed by a compare-and-set on the token's
 * `nextNoticeAt` in the transaction that writes the event, so a second sweeper's claim finds
 * the row moved on and emits nothing. Reads only due rows, by index, in batches: memory stays
 * bounded whatever the number of tokens.
 */
export class ExpirySweep extends PeriodicJob {
  constructor(private readonly deps: CoreDeps) {
    super('expiry-sweep', deps.logger);
  }

  /** Sweeps until nothing is due (a batch is one transaction: never half written); returns how many notices this sweeper emitted. */
  protected async work(shouldStop: StopSignal): Promise<number> {
    const thresholds = this.deps.config.expiryWarningDays;
    let emitted = 0;
    // Where the last batch ended: each batch starts there rather than at the index's start, where
    // the entries of every row claimed so far in this run still lie until vacuum (bench/scale: a
    // backlog of 67,000 due notices read 28 ms per batch from the start, growing with the run).
    // Rows claimed here move past `now`; what another instance left at that time is read again.
    let from: Date | null = null;
    for (;;) {
      if (shouldStop()) return emitted;
      const now = this.deps.clock.now();
      const due: TokenRecord[] = await this.deps.orm.em.fork().find(
        TokenRecord,
        { nextNoticeAt: from ? { $gte: from, $lte: now } : { $lte: now }, revokedAt: null },
        // By notice time alone: the index's own order, read up to the batch (with `id` as a
        // tie-break PostgreSQL sorted every due row of the range for each batch: 43 ms at 67,000).
        { orderBy: { nextNoticeAt: 'asc' }, limit: BATCH },
      );
      if (due.length === 0) return emitted;
      from = due[due.length - 1].nextNoticeAt ?? null;
      let claimed = 0;
      await this.deps.lifecycle.run(NoticeService.systemActor(), async (tx) => {
        for (const token of due) {
          if (!token.expiresAt || !token.nextNoticeAt) continue;
          const left = token.expiresAt.getTime() - tx.now.getTime();
          // The thresholds that fit this token's term (the same rule as its EXPIRING window).
          const fitting = thresholdsOf(token, thresholds);
          const crossed = fitting.filter((days) => left <= days * DAY);
          if (left > 0 && crossed.length === 0) {
            // Due early (its term changed since it was read): look again at its first threshold.
            await tx.em.nativeUpdate(
              TokenRecord,
              { id: token.id, nextNoticeAt: withinItsMillisecond(token.nextNoticeAt) },
              { nextNoticeAt: nextNotice(token.expiresAt, fitting, null) },
            );
            continue;
          }
          const noticed = left <= 0 ? 0 : Math.min(...crossed);
          const next = left <= 0 ? null : nextNotice(token.expiresAt, fitting, noticed);
          const won = await tx.em.nativeUpdate(
            TokenRecord,
            { id: token.id, nextNoticeAt: withinItsMillisecond(token.nextNoticeAt) },
            { nextNoticeAt: next, noticedThresholdDays: noticed },
          );
          if (won !== 1) continue;
          claimed += 1;
          if (left <= 0) tx.emit(TokenEventType.EXPIRED, token);
          else tx.emit(TokenEventType.EXPIRING_SOON, token, { thresholdDays: noticed, secondsLeft: Math.floor(left / 1000) });
        }
      });
      emitted += claimed;
      // A full batch all claimed by others: leave the rest to them rather than spin.
      if (due.length < BATCH || claimed === 0) return emitted;
    }
  }
}
