import type { IdPrefix } from '../ids';
import type { Role, TokenKind } from './token-kind';

/** What a module tells core about a kind of token it owns (listed in its manifest; see KindRegistry). */
export interface TokenKindDefinition {
  kind: TokenKind;
  /** The value prefix (`tsp`), absent for kinds without Tessera-format values. */
  prefix?: string;
  /** The lowest role that sees this kind's events and tokens of others (owners always do). */
  audience: Role;
  /** The typed-id prefix of this kind's token records, e.g. `pat` for `pat_…`. */
  idPrefix: IdPrefix;
  /** Singular noun for audit actions, e.g. `personal_access_token`. */
  noun: string;
  /** What the GraphQL `TokenKind` enum says of this kind. */
  description: string;
  /**
   * Whether the expiry sweep warns about and announces the end of this kind's tokens. Off for
   * short-lived machine tokens (an hour-long access token), where the notices are only noise.
   * @default true
   */
  expiryNotices?: boolean;
  /**
   * Whether tokens of this kind are deleted once they have been expired for longer than
   * `TESSERA_EXPIRED_TOKEN_RETENTION_DAYS`: for short-lived machine tokens minted by the
   * thousand (an hour-long access token), which would otherwise pile up forever.
   * @default false
   */
  pruneAfterExpiry?: boolean;
  /**
   * Whether this kind's tokens read EXPIRING inside the warning window. Off for kinds whose
   * tokens renew themselves (outbound OAuth, refreshed before they expire) or live an hour (app
   * access tokens): their whole life is inside the window, so the warning would say nothing;
   * they read ACTIVE until EXPIRED. @default true
   */
  warningWindow?: boolean;
}
