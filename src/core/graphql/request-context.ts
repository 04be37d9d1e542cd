import type { Actor } from '../actor';
import type { Principal } from '../auth/principal';
import type { WarningWindows } from '../tokens/token-status';

/**
 * What a resolver receives, typed by the services it uses: each module names only its own (and
 * the other modules' it reads, through their index). The one object built per request
 * (src/context.ts) satisfies every module's, so no module needs the whole bag — nor imports the
 * file that assembles it (that was one import cycle of the whole server).
 */
export interface RequestContext<S> {
  readonly services: S;
  readonly requestId: string;
  /** Who is calling; null when anonymous. */
  readonly viewer: Principal | null;
  /** The id of the token that authenticated this request. */
  readonly tokenId: string | null;
  /** The time this request is judged at (statuses are computed as of now). */
  readonly now: Date;
  /** The caller as the actor of a change (UNAUTHENTICATED when anonymous). */
  actor(): Actor;
  requireViewer(): Principal;
  /** Maps a token record to its kind's GraphQL type, with its status as of this request. */
  present<T, R>(type: { from(record: R, now: Date, windows: WarningWindows): T }, record: R): T;
}
