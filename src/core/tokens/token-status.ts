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
}

/**
 * A token's state at `now`: REVOKED once revoked, EXPIRED at or past its end, EXPIRING inside
 * the warning window of its kind, ACTIVE otherwise (including tokens with no end). A kind without
 * a window (see `warningWindow` in its definition) reads ACTIVE until EXPIRED.
 */
export function tokenStatus(token: StatusTimes, now: Date, windows: WarningWindows): TokenStatus {
  if (token.revokedAt) return TokenStatus.REVOKED;
  if (!token.expiresAt) return TokenStatus.ACTIVE;
  const left = token.expiresAt.getTime() - now.getTime();
  if (left <= 0) return TokenStatus.EXPIRED;
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
      return { revokedAt: null, expiresAt: { $gt: now, $lte: windowEnd } };
    case TokenStatus.ACTIVE:
      return { revokedAt: null, $or: [{ expiresAt: null }, { expiresAt: { $gt: windowEnd } }] };
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
 * refresh, regeneration): thresholds already inside the term's start are skipped.
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
