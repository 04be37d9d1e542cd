import type { WarningWindows } from './core/tokens/token-status';
import type DataLoader from 'dataloader';
import { mapLoader } from './core/graphql/loaders';
import type { Actor } from './core/actor';
import { AppError } from './core/errors';
import type { User } from './modules/users';
import type { Services } from './services';
import type { Principal } from './verify';

/**
 * What every resolver receives: who is calling (resolved once per request, or once per
 * WebSocket connection), the services, and per-request loaders that batch lookups.
 */
export class Context {
  readonly loaders: { userById: DataLoader<string, User | null> };

  constructor(
    readonly services: Services,
    readonly requestId: string,
    readonly viewer: Principal | null,
    /** The id of the token that authenticated this request. */
    readonly tokenId: string | null,
  ) {
    this.now = services.clock.now();
    this.loaders = {
      userById: mapLoader((ids) => services.users.usersByIds(ids), null),
    };
  }

  /** The time this request is judged at (statuses are computed as of now). */
  readonly now: Date;

  /** Maps a token record to its kind's GraphQL type, with its status as of this request. */
  present<T, R>(type: { from(record: R, now: Date, windows: WarningWindows): T }, record: R): T {
    return type.from(record, this.now, this.services.kinds);
  }

  /** The caller; `@Authorized` has already refused anonymous calls where this is used. */
  requireViewer(): Principal {
    if (!this.viewer) throw AppError.unauthenticated();
    return this.viewer;
  }

  /** The caller as the actor of a change. */
  actor(): Actor {
    const viewer = this.requireViewer();
    return { type: viewer.type, id: viewer.id, name: viewer.name, tenantId: viewer.tenantId, role: viewer.role, requestId: this.requestId };
  }
}
