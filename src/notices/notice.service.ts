import type { FilterQuery } from '@mikro-orm/core';
import { systemActor, type Actor } from '../core/actor';
import { AppError, ErrorCode } from '../core/errors';
import { Retention } from '../core/retention';
import { TokenEventRecord, TokenEventType } from '../core/events/event.entity';
import { roleRank } from '../core/tokens/token-kind';
import type { CoreDeps } from '../deps';
import type { Principal } from '../verify';

/** The families of notices the dedicated subscriptions carry. */
export const EXPIRY_TYPES = [TokenEventType.EXPIRING_SOON, TokenEventType.EXPIRED];
export const REVOCATION_TYPES = [
  TokenEventType.REVOKED,
  TokenEventType.REGENERATED,
  TokenEventType.DELETED,
  TokenEventType.DISABLED,
  TokenEventType.UNASSIGNED,
];

/** What a listener asks for; every list narrows, absent means all. */
export interface EventFilter {
  kinds?: string[] | null;
  types?: TokenEventType[] | null;
  tokenIds?: string[] | null;
  subjectIds?: string[] | null;
}

function present<T>(list: T[] | null | undefined): list is T[] {
  return Array.isArray(list) && list.length > 0;
}

/** Whether a viewer may see an event of its tenant: its role reaches the kind's audience, or it owns the token. */
export function mayView(viewer: Principal, event: Pick<TokenEventRecord, 'tenantId' | 'audienceRank' | 'ownerId'>): boolean {
  if (event.tenantId !== viewer.tenantId) return false;
  return event.ownerId === viewer.id || roleRank[viewer.role] >= event.audienceRank;
}

export function matches(filter: EventFilter, event: TokenEventRecord): boolean {
  if (present(filter.kinds) && !filter.kinds.includes(event.tokenKind)) return false;
  if (present(filter.types) && !filter.types.includes(event.type)) return false;
  if (present(filter.tokenIds) && !filter.tokenIds.includes(event.tokenId)) return false;
  if (present(filter.subjectIds) && !(event.subjectId && filter.subjectIds.includes(event.subjectId))) return false;
  return true;
}

const EVENT_ID = /^\d{1,19}$/;

/** Event history and live notices, scoped to what the viewer may see. */
export class NoticeService {
  constructor(private readonly deps: CoreDeps) {}

  private checkAfter(after: string | null | undefined): string | undefined {
    if (after === null || after === undefined) return undefined;
    if (!EVENT_ID.test(after)) throw AppError.badInput('after', 'after must be an event id (a whole number).');
    return after;
  }

  /** Refuses an `after` whose successors were pruned: the listener would miss events without knowing. */
  private async checkRetained(after: string | undefined): Promise<void> {
    if (after === undefined) return;
    const prunedThrough = await Retention.prunedThrough(this.deps.orm);
    if (BigInt(after) >= BigInt(prunedThrough)) return;
    throw new AppError(
      ErrorCode.BAD_USER_INPUT,
      `Events up to ${prunedThrough} are no longer kept (retention: ${this.deps.config.eventRetentionDays} days), so what followed ${after} cannot be replayed in full: read the current state, then listen without after (or after ${prunedThrough}).`,
      { field: 'after', reason: 'EVENTS_PRUNED' },
    );
  }

  /** Stored events after `after`, oldest first. */
  async history(
    viewer: Principal,
    options: { first: number; after?: string | null; filter: EventFilter },
  ): Promise<{ items: TokenEventRecord[]; hasNextPage: boolean; totalCount: () => Promise<number> }> {
    const after = this.checkAfter(options.after);
    await this.checkRetained(after);
    const { filter } = options;
    const where: FilterQuery<TokenEventRecord> = {
      tenantId: viewer.tenantId,
      $or: [{ audienceRank: { $lte: roleRank[viewer.role] } }, { ownerId: viewer.id }],
      ...(present(filter.kinds) ? { tokenKind: { $in: filter.kinds } } : {}),
      ...(present(filter.types) ? { type: { $in: filter.types } } : {}),
      ...(present(filter.tokenIds) ? { tokenId: { $in: filter.tokenIds } } : {}),
      ...(present(filter.subjectIds) ? { subjectId: { $in: filter.subjectIds } } : {}),
    };
    const em = this.deps.orm.em.fork();
    const keyed: FilterQuery<TokenEventRecord> = after ? { $and: [where, { id: { $gt: after } }] } : where;
    const rows = await em.find(TokenEventRecord, keyed, { orderBy: { id: 'asc' }, limit: options.first + 1 });
    // The count only when asked for (it grows with the history; see paginate).
    return { items: rows.slice(0, options.first), hasNextPage: rows.length > options.first, totalCount: () => em.count(TokenEventRecord, where) };
  }

  /** A live stream for a listener: replay after `after`, then live, in order, no duplicates. */
  async listen(viewer: Principal, filter: EventFilter, after?: string | null): Promise<AsyncIterableIterator<TokenEventRecord>> {
    const from = this.checkAfter(after);
    await this.checkRetained(from);
    return this.deps.dispatcher.subscribe(viewer.tenantId, (event) => mayView(viewer, event) && matches(filter, event), from);
  }

  /** The newest event id this instance knows of. */
  get position(): string {
    return this.deps.dispatcher.position;
  }

  /** For a system actor acting across tenants. */
  static systemActor(): Actor {
    return systemActor('');
  }
}
