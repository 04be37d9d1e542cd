import type { FilterQuery } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import type { Actor } from '../../core/actor';
import { paginate, type Page, type PageRequest } from '../../core/db/paginate';
import { TokenEventType } from '../../core/events/event.entity';
import type { Tx } from '../../core/events/outbox';
import { Role } from '../../core/tokens/token-kind';
import { TokenRecord } from '../../core/tokens/token.entity';
import type { CoreDeps } from '../../deps';
import { User } from './user.entity';
import { UserErrors } from './user.errors';

/** Whether a person may use their tokens. */
export enum UserStatus {
  ACTIVE = 'ACTIVE',
  DEACTIVATED = 'DEACTIVATED',
}

/** What a list of people can be narrowed to. */
export interface PeopleFilter {
  status?: UserStatus | null;
  role?: Role | null;
}

/** A person's tokens at a glance: how many still work, and when one was last used. */
export interface PersonTokenStats {
  activeTokens: number;
  lastSeenAt: Date | null;
}

/**
 * Lists the live tokens that act for a person besides their own personal access tokens (an app
 * they created: its secret and access tokens), inside a transaction. Modules that make such
 * tokens provide one (see the users manifest's peers).
 */
export type TokensActingFor = (tx: Tx, userId: string) => Promise<TokenRecord[]>;

/**
 * People, as administrators manage them: the list, name and role changes, deactivation and
 * deletion. Every change that can stop or narrow a person's tokens evicts the person's id, so
 * every instance forgets what it cached of their tokens (and of the apps they made) before the
 * mutation returns (the propagation rule), and their sockets are re-checked (4401 when stopped,
 * 4422 when their role changed). The last active administrator of a tenant stays one.
 */
export class PeopleService {
  constructor(
    private readonly deps: CoreDeps,
    private readonly actingFor: TokensActingFor,
  ) {}

  async list(actor: Actor, request: PageRequest & { filter?: PeopleFilter | null }): Promise<Page<User>> {
    const where: FilterQuery<User> = { tenantId: actor.tenantId };
    if (request.filter?.role) where.role = request.filter.role;
    if (request.filter?.status) where.deactivatedAt = request.filter.status === UserStatus.DEACTIVATED ? { $ne: null } : null;
    return paginate(this.deps.orm.em.fork(), User, where, request, 'asc');
  }

  /** Token counts and last use for several people, in one statement (their own personal access tokens). */
  async tokenStats(ids: readonly string[]): Promise<Map<string, PersonTokenStats>> {
    const now = this.deps.clock.now();
    const knex = (this.deps.orm.em.fork() as SqlEntityManager).getKnex();
    const rows: { owner_id: string; active: number | string; last_used: Date | string | number | null }[] = await knex('tokens')
      .select('owner_id')
      .select(knex.raw('sum(case when revoked_at is null and (expires_at is null or expires_at > ?) then 1 else 0 end) as active', [now]))
      .select(knex.raw('max(last_used_at) as last_used'))
      .whereIn('owner_id', [...ids])
      .groupBy('owner_id');
    const stats = new Map<string, PersonTokenStats>();
    for (const row of rows) {
      const lastUsed = row.last_used === null ? null : new Date(row.last_used);
      stats.set(row.owner_id, { activeTokens: Number(row.active), lastSeenAt: lastUsed && !Number.isNaN(lastUsed.getTime()) ? lastUsed : null });
    }
    return stats;
  }

  /** Renames a person or changes their role; demoting the last active administrator is CONFLICT. */
  async update(actor: Actor, id: string, input: { name?: string | null; role?: Role | null }): Promise<User> {
    return this.deps.lifecycle.run(actor, async (tx) => {
      const user = await this.find(tx, id);
      const changes: Record<string, unknown> = {};
      if (input.name != null && input.name !== user.name) {
        changes.name = input.name;
        user.name = input.name;
      }
      if (input.role != null && input.role !== user.role) {
        if (user.role === Role.ADMIN && !user.deactivatedAt) await this.keepAnAdmin(tx, user);
        changes.role = { from: user.role, to: input.role };
        user.role = input.role;
      }
      if (Object.keys(changes).length === 0) return user;
      user.updatedAt = tx.now;
      // Their tokens' cached answers carry their name and role (and cap their apps): forget them everywhere.
      tx.evict(user.id);
      tx.audit('user.update', { type: 'User', id: user.id, name: user.name }, changes);
      return user;
    });
  }

  /** Stops every token that acts as the person, on every instance, until they are reactivated. */
  async deactivate(actor: Actor, id: string): Promise<User> {
    return this.deps.lifecycle.run(actor, async (tx) => {
      const user = await this.find(tx, id);
      if (user.deactivatedAt) throw UserErrors.alreadyDeactivated(id);
      if (user.role === Role.ADMIN) await this.keepAnAdmin(tx, user);
      user.deactivatedAt = tx.now;
      user.updatedAt = tx.now;
      tx.evict(user.id);
      for (const token of await this.liveTokens(tx, user.id)) tx.emit(TokenEventType.DISABLED, token, { reason: 'OWNER_DEACTIVATED' });
      tx.audit('user.deactivate', { type: 'User', id: user.id, name: user.name });
      return user;
    });
  }

  /** Lets the person's tokens work again (those not revoked or expired meanwhile). */
  async reactivate(actor: Actor, id: string): Promise<User> {
    return this.deps.lifecycle.run(actor, async (tx) => {
      const user = await this.find(tx, id);
      if (!user.deactivatedAt) throw UserErrors.notDeactivated(id);
      user.deactivatedAt = null;
      user.updatedAt = tx.now;
      tx.evict(user.id);
      for (const token of await this.liveTokens(tx, user.id)) tx.emit(TokenEventType.ENABLED, token, { reason: 'OWNER_REACTIVATED' });
      tx.audit('user.reactivate', { type: 'User', id: user.id, name: user.name });
      return user;
    });
  }

  /**
   * Deletes a person: their personal access tokens are revoked (kept, revoked, for the record
   * until deleted) and the apps they made stop authenticating (nobody answers for them); every
   * token gets its event. Returns the person as they were.
   */
  async delete(actor: Actor, id: string): Promise<User> {
    return this.deps.lifecycle.run(actor, async (tx) => {
      const user = await this.find(tx, id);
      if (user.role === Role.ADMIN && !user.deactivatedAt) await this.keepAnAdmin(tx, user);
      tx.evict(user.id);
      for (const token of await this.liveTokens(tx, user.id)) {
        if (token.ownerId === user.id) this.deps.tokens.revoke(tx, token, { reason: 'OWNER_DELETED' });
        else if (!user.deactivatedAt) tx.emit(TokenEventType.DISABLED, token, { reason: 'OWNER_DELETED' });
      }
      tx.audit('user.delete', { type: 'User', id: user.id, name: user.name }, { email: user.email, role: user.role });
      tx.em.remove(user);
      return user;
    });
  }

  private async find(tx: Tx, id: string): Promise<User> {
    const user = await tx.em.findOne(User, { id, tenantId: tx.actor.tenantId });
    if (!user) throw UserErrors.notFound(id);
    return user;
  }

  /** CONFLICT when `user` is the tenant's only active administrator. */
  private async keepAnAdmin(tx: Tx, user: User): Promise<void> {
    const others = await tx.em.count(User, { tenantId: user.tenantId, role: Role.ADMIN, deactivatedAt: null, id: { $ne: user.id } });
    if (others === 0) throw UserErrors.lastAdmin(user.id);
  }

  /** The tokens that act for a person and still work by themselves: their own, and their apps'. */
  private async liveTokens(tx: Tx, userId: string): Promise<TokenRecord[]> {
    const own = await tx.em.find(TokenRecord, { ownerId: userId, tenantId: tx.actor.tenantId, revokedAt: null });
    const others = await this.actingFor(tx, userId);
    return [...own, ...others].filter((token) => !token.revokedAt && (!token.expiresAt || token.expiresAt > tx.now));
  }
}
