import type { ApolloServerPlugin } from '@apollo/server';
import { DeadlockException, IsolationLevel, LockWaitTimeoutException, type EntityManager, type MikroORM } from '@mikro-orm/core';
import { AppError } from '../errors';
import type { SqlEntityManager } from '@mikro-orm/knex';
import type { Actor } from '../actor';
import type { Clock } from '../clock';
import { isPostgres } from '../db/orm';
import { newId } from '../ids';
import type { KindRegistry } from '../tokens/kind-registry';
import { tokenStatus } from '../tokens/token-status';
import type { TokenRecord } from '../tokens/token.entity';
import { AuditEntryRecord } from './audit.entity';
import type { Bus, Propagation } from './bus';
import { EvictionRecord } from './eviction.entity';
import { TokenEventRecord, type TokenEventData, type TokenEventType } from './event.entity';

/** An arbitrary constant: the advisory lock that orders event commits on PostgreSQL. */
const EVENT_ORDER_LOCK = 71_042_026;

/** What an audit entry names as its target. */
export interface AuditTarget {
  type: string;
  id?: string | null;
  name?: string | null;
}

/**
 * One change in progress: the entity manager of its transaction, who is acting, the time, and
 * the events, audit entries and cache evictions the change produces. Services receive it from
 * {@link Lifecycle.run} and never commit by hand.
 */
export class Tx {
  readonly events: Omit<TokenEventRecord, 'id'>[] = [];
  readonly audits: AuditEntryRecord[] = [];
  readonly evictions = new Set<string>();

  constructor(
    readonly em: EntityManager,
    readonly actor: Actor,
    readonly now: Date,
    private readonly kinds: KindRegistry,
  ) {}

  /**
   * Records a token event (and, for changes someone made, an audit entry) in this transaction.
   * The event copies what listeners need of the token, never its value. `subject` overrides the
   * token's own (an assignment event names the endpoint it concerns).
   */
  emit(type: TokenEventType, token: TokenRecord, data?: TokenEventData, subject?: { type: string; id: string }): void {
    this.events.push({
      tenantId: token.tenantId,
      type,
      tokenId: token.id,
      tokenKind: token.kind,
      tokenName: token.name,
      tokenStatus: tokenStatus(token, this.now, this.kinds),
      tokenExpiresAt: token.expiresAt ?? null,
      subjectType: subject?.type ?? token.subjectType ?? null,
      subjectId: subject?.id ?? token.subjectId ?? null,
      ownerId: token.ownerId ?? null,
      audienceRank: this.kinds.audienceRank(token.kind),
      actorType: this.actor.type,
      actorId: this.actor.id,
      actorName: this.actor.name,
      occurredAt: this.now,
      data: data ?? null,
    });
    if (this.actor.type !== 'system') {
      this.audit(
        `${this.kinds.definition(token.kind).noun}.${type.toLowerCase()}`,
        { type: token.kind, id: token.id, name: token.name },
        data ? { ...data } : undefined,
      );
    }
  }

  /** Records an audit entry for a change or a sensitive read (a reveal). */
  audit(action: string, target: AuditTarget, detail?: Record<string, unknown>): void {
    const entry = new AuditEntryRecord();
    Object.assign(entry, {
      id: newId('aud'),
      tenantId: this.actor.tenantId,
      actorType: this.actor.type,
      actorId: this.actor.id,
      actorName: this.actor.name,
      action,
      targetType: target.type,
      targetId: target.id ?? null,
      targetName: target.name ?? null,
      detail: detail ?? null,
      requestId: this.actor.requestId ?? null,
      occurredAt: this.now,
    });
    this.audits.push(entry);
  }

  /** Every instance forgets cached verification results for this token before the change returns. */
  evict(tokenId: string): void {
    this.evictions.add(tokenId);
  }
}

/**
 * Runs changes: one transaction holding the change, its events (the outbox) and its audit
 * entries; then, once committed, tells every instance (cache evictions and "new events").
 */
export class Lifecycle {
  private readonly postgres: boolean;
  /** Shortfalls of changes made for a request, until its response reports them (bounded). */
  private readonly shortfalls = new Map<string, Propagation>();

  constructor(
    private readonly orm: MikroORM,
    private readonly bus: Bus,
    private readonly clock: Clock,
    private readonly kinds: KindRegistry,
  ) {
    this.postgres = isPostgres(orm);
  }

  /**
   * Runs `change` in one transaction, serialized against every concurrent change it conflicts
   * with: SERIALIZABLE on PostgreSQL, so two changes that read and write the same token (or what
   * owns it) cannot both commit on what they read; the loser is rolled back and run again from the
   * start, sees the winner's result and answers as it would have in a serial order (CONFLICT
   * ALREADY_REVOKED, NOT_FOUND, …). Serialization failures and deadlocks are retried up to
   * {@link MAX_ATTEMPTS} times with jittered backoff, then answered CONFLICT
   * (CONCURRENT_CHANGE) — never INTERNAL. Only a committed attempt's events, audit entries and
   * evictions exist. `change` must therefore do nothing outside the database that it would not
   * do twice (outbound calls happen before or after, never inside). SQLite runs one write
   * transaction at a time already.
   */
  async run<T>(actor: Actor, change: (tx: Tx) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      let tx: Tx | undefined;
      try {
        const result = await this.orm.em.fork().transactional(
          async (em) => {
            tx = new Tx(em, actor, this.clock.now(), this.kinds);
            const value = await change(tx);
            await em.flush();
            await this.writeOutbox(em, tx);
            return value;
          },
          this.postgres ? { isolationLevel: IsolationLevel.SERIALIZABLE } : undefined,
        );
        if (tx) await this.announce(tx);
        return result;
      } catch (error) {
        if (!isSerializationFailure(error)) throw error;
        if (attempt >= MAX_ATTEMPTS) throw AppError.conflict('Too many concurrent changes to the same object; retry.', 'CONCURRENT_CHANGE');
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * 2 ** attempt));
      }
    }
  }

  /** Appends events last, under a lock held until commit, so ids become visible in order. */
  private async writeOutbox(em: EntityManager, tx: Tx): Promise<void> {
    // Every change that emits an event on a token takes that token's row: two such changes can
    // then never overlap (the later one fails to serialize and runs again), so the event log's
    // order is their serial order — even for a change that wrote nothing to the row (a refresh
    // that left the term as it was) and would otherwise serialize before a revoke it committed after.
    const tokenIds = [...new Set(tx.events.map((event) => event.tokenId))];
    if (this.postgres && tokenIds.length > 0)
      await (em as SqlEntityManager).execute(`select id from tokens where id in (${tokenIds.map(() => '?').join(', ')}) for update`, tokenIds);
    // On the transaction's own connection: held until commit, so ids (events and evictions) commit in order.
    if (this.postgres && (tx.events.length > 0 || tx.evictions.size > 0))
      await (em as SqlEntityManager).execute('select pg_advisory_xact_lock(?)', [EVENT_ORDER_LOCK]);
    if (tx.events.length > 0) await em.insertMany(TokenEventRecord, tx.events as TokenEventRecord[]);
    // Read by every instance (EvictionFeed): evictions arrive even when this instance cannot reach Redis.
    if (tx.evictions.size > 0) await em.insertMany(EvictionRecord, [{ tokenIds: [...tx.evictions].join(','), createdAt: tx.now }]);
    if (tx.audits.length > 0) await em.insertMany(AuditEntryRecord, tx.audits);
  }

  /**
   * Tells every instance, waiting (boundedly, see {@link Bus.publish}) for evictions to be
   * acknowledged. When some instance did not acknowledge in time the change still succeeds (it is
   * committed, and that instance stops trusting its cache within the bus's bound); the bus logs
   * it, and the shortfall is kept for the request's response ({@link takeShortfall}).
   */
  private async announce(tx: Tx): Promise<void> {
    if (tx.events.length === 0 && tx.evictions.size === 0) return;
    const propagation = await this.bus.publish({
      events: tx.events.length > 0 || undefined,
      evictTokenIds: tx.evictions.size > 0 ? [...tx.evictions] : undefined,
    });
    const requestId = tx.actor.requestId;
    if (!requestId || tx.evictions.size === 0 || propagation.acknowledged >= propagation.expected) return;
    const earlier = this.shortfalls.get(requestId);
    this.shortfalls.delete(requestId);
    this.shortfalls.set(
      requestId,
      earlier
        ? { acknowledged: Math.min(earlier.acknowledged, propagation.acknowledged), expected: Math.max(earlier.expected, propagation.expected) }
        : propagation,
    );
    // Requests that never read theirs (REST routes) must not accumulate.
    if (this.shortfalls.size > MAX_SHORTFALLS) this.shortfalls.delete(this.shortfalls.keys().next().value as string);
  }

  /** The propagation shortfall of the changes made for `requestId`, if any (forgotten once read). */
  takeShortfall(requestId: string): Propagation | undefined {
    const shortfall = this.shortfalls.get(requestId);
    if (shortfall) this.shortfalls.delete(requestId);
    return shortfall;
  }
}

const MAX_SHORTFALLS = 1_000;

/** How many times a change runs before a serialization failure is answered CONFLICT. */
export const MAX_ATTEMPTS = 8;

/**
 * A transaction that lost a race and may simply run again: a serialization failure or deadlock
 * (PostgreSQL 40001 / 40P01, which MikroORM converts to DeadlockException), or SQLite busy.
 */
export function isSerializationFailure(error: unknown): boolean {
  if (error instanceof DeadlockException || error instanceof LockWaitTimeoutException) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return code === '40001' || code === '40P01' || code === 'SQLITE_BUSY';
}

/**
 * Adds `extensions.propagation: { acknowledged, expected, boundMs }` to a GraphQL response whose
 * mutation evicted tokens that some instance did not acknowledge in time. The mutation's data is
 * unchanged (mutations return the changed object): the change is committed, and `boundMs` is the
 * longest any instance may still accept the token, counted from this response.
 */
export function propagationPlugin(lifecycle: Lifecycle, boundMs: number): ApolloServerPlugin<{ requestId?: string }> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind !== 'single' || !contextValue?.requestId) return;
          const shortfall = lifecycle.takeShortfall(contextValue.requestId);
          if (!shortfall) return;
          const result = response.body.singleResult;
          result.extensions = { ...result.extensions, propagation: { ...shortfall, boundMs } };
        },
      };
    },
  };
}
