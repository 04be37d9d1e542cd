import type { FilterQuery } from '@mikro-orm/core';
import { DAY } from '../clock';
import { TokenStatus, type TokenKind } from './token-kind';
import type { TokenRecord } from './token.entity';

/** The EXPIRING window of each kind, in days (0: the kind has none); a {@link KindRegistry} is one. */
export interface WarningWindows {
  windowDays(kind: TokenKind): number;
}

/** The fields status is computed from. */
export interface StatusTimes {
  kind: TokenKind;
  expiresAt?: Date | null;
  revokedAt?: Date | null;
  /** When the token turns EXPIRING (see TokenRecord.expiringAt); absent or null: the kind's window. */
  expiringAt?: Date | null;
}

/**
 * The warning thresholds (days, largest first) that fit a term from `start` to `end`: those at
 * most HALF the term. The EXPIRING window of the term is the largest of them, and the expiry
 * notices are sent at them, so a token is never EXPIRING — nor warned — at the moment its term
 * begins. With the default thresholds (30, 7, 1 days): a 7-day token turns EXPIRING (and is
 * warned) 1 day before its end, a 30-day one 7 days before, a 60-day or longer one 30 days
 * before; a token of under 2 days gets no window and no warning, only EXPIRED.
 */
export function termThresholds(thresholds: readonly number[], start: Date, end: Date): number[] {
  const term = end.getTime() - start.getTime();
  return thresholds.filter((days) => days * DAY * 2 <= term);
}

/** The thresholds that apply to a token's current term (all of them for a token from before windows scaled). */
export function thresholdsOf(token: Pick<TokenRecord, 'expiresAt' | 'expiringAt'>, thresholds: readonly number[]): number[] {
  if (!token.expiresAt || !token.expiringAt) return [...thresholds];
  const window = token.expiresAt.getTime() - token.expiringAt.getTime();
  return thresholds.filter((days) => days * DAY <= window);
}

/**
 * A token's state at `now`: REVOKED once revoked, EXPIRED at or past its end, EXPIRING from
 * `expiringAt` (the window that fits its term: see {@link termThresholds}), ACTIVE otherwise
 * (including tokens with no end). A token from before windows scaled uses its kind's window; a
 * kind without a window (see `warningWindow` in its definition) reads ACTIVE until EXPIRED.
 */
export function tokenStatus(token: StatusTimes, now: Date, windows: WarningWindows): TokenStatus {
  if (token.revokedAt) return TokenStatus.REVOKED;
  if (!token.expiresAt) return TokenStatus.ACTIVE;
  const left = token.expiresAt.getTime() - now.getTime();
  if (left <= 0) return TokenStatus.EXPIRED;
  if (token.expiringAt) return now.getTime() >= token.expiringAt.getTime() ? TokenStatus.EXPIRING : TokenStatus.ACTIVE;
  if (left <= windows.windowDays(token.kind) * DAY) return TokenStatus.EXPIRING;
  return TokenStatus.ACTIVE;
}

/** The storage filter that selects tokens of `kind` in `status` at `now`: the same rule, as a query. */
export function statusFilter(kind: TokenKind, status: TokenStatus, now: Date, windows: WarningWindows): FilterQuery<TokenRecord> {
  const windowEnd = new Date(now.getTime() + windows.windowDays(kind) * DAY);
  switch (status) {
    case TokenStatus.REVOKED:
      return { revokedAt: { $ne: null } };
    case TokenStatus.EXPIRED:
      return { revokedAt: null, expiresAt: { $lte: now } };
    case TokenStatus.EXPIRING:
      return {
        revokedAt: null,
        expiresAt: { $gt: now },
        $or: [{ expiringAt: { $lte: now } }, { expiringAt: null, expiresAt: { $lte: windowEnd } }],
      };
    case TokenStatus.ACTIVE:
      return { revokedAt: null, $or: [{ expiresAt: null }, { expiringAt: { $gt: now } }, { expiringAt: null, expiresAt: { $gt: windowEnd } }] };
  }
}

/**
 * When the expiry sweep must next look at a token, given the warning thresholds (days, largest
 * first) and the smallest one already notified. Thresholds the token was already inside when
 * its current term began count as notified, so a 7-day token is not warned "7 days left" at
 * birth. Returns null when nothing more is due.
 */
export function nextNotice(expiresAt: Date | null | undefined, thresholds: number[], noticedThresholdDays: number | null | undefined): Date | null {
  if (!expiresAt) return null;
  for (const days of thresholds) {
    if (noticedThresholdDays != null && days >= noticedThresholdDays) continue;
    return new Date(expiresAt.getTime() - days * DAY);
  }
  return expiresAt;
}

/**
 * Resets a token's expiry-notice schedule for a new term starting at `now` (creation,
 * refresh, regeneration): thresholds already inside the term's start are skipped (with
 * {@link termThresholds}, none is).
 */
export function scheduleExpiryNotices(token: TokenRecord, now: Date, thresholds: number[]): void {
  if (!token.expiresAt || token.revokedAt) {
    token.nextNoticeAt = null;
    token.noticedThresholdDays = null;
    return;
  }
  const left = token.expiresAt.getTime() - now.getTime();
  const inside = thresholds.filter((days) => days * DAY >= left);
  token.noticedThresholdDays = inside.length ? Math.min(...inside) : null;
  token.nextNoticeAt = nextNotice(token.expiresAt, thresholds, token.noticedThresholdDays);
}
