import { randomUUID } from 'node:crypto';
import { DAY, HOUR } from '../../core/clock';
import type { EntityManager } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import { systemActor } from '../../core/actor';
import { newestEventId, TokenEventRecord } from '../../core/events/event.entity';
import { newId } from '../../core/ids';
import { isDestinationNotAllowed, type OutboundPolicy } from '../../core/outbound';
import { PeriodicJob, type StopSignal } from '../../core/periodic-job';
import type { CoreDeps } from '../../deps';
import { TokenEventView } from '../../notices';
import { DeliveryStatus, WebhookCursor, WebhookDelivery, WebhookEndpoint } from './webhook.entity';
import { signedHeaders } from './webhook.signing';

/** Events turned into deliveries per transaction, and deliveries claimed per round. */
const BATCH = 500;
/** Attempts in flight at once per instance. */
const CONCURRENCY = 16;
/** The longest excerpt of a receiver's answer kept. */
const EXCERPT = 256;
/**
 * The retry schedule, in multiples of TESSERA_WEBHOOK_RETRY_BASE_MS (after the 1st, 2nd, …
 * failed attempt; the last repeats): with the default 5 s base, 5 s, 5 min, 30 min, 2 h, 5 h,
 * 10 h, 10 h — eight attempts spanning about a day (Standard Webhooks' reference schedule).
 */
const SCHEDULE = [1, 60, 360, 1440, 3600, 7200, 7200];

/** The delay before the next attempt after `attempts` failed ones, with ±20% jitter. */
export function retryDelayMs(baseMs: number, attempts: number, random: () => number = Math.random): number {
  const step = SCHEDULE[Math.min(attempts - 1, SCHEDULE.length - 1)];
  return Math.round(baseMs * step * (0.8 + 0.4 * random()));
}

/** The body of a delivery (Standard Webhooks): `{ type, timestamp, data }`, data the event as the API shows it. */
function payloadOf(event: TokenEventRecord): string {
  const data = TokenEventView.from(event);
  return JSON.stringify({ type: `token.${event.type.toLowerCase()}`, timestamp: data.occurredAt.toISOString(), data });
}

interface Outcome {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  response: string | null;
}

/** One attempt of a round, to record. */
interface Attempted {
  delivery: WebhookDelivery;
  endpoint: WebhookEndpoint | undefined;
  outcome: Outcome;
  /** Not worth retrying: the endpoint or the event is gone, or the endpoint is disabled. */
  final: boolean;
}

/**
 * Delivers every stored token event to the webhook endpoints of its tenant that select its type,
 * on every instance, each delivery exactly once however many instances run:
 * - fan-out: the events after a shared cursor become deliveries in one transaction that moves the
 *   cursor by compare-and-set (another instance's move rolls this one back), and a delivery is
 *   unique per (endpoint, event);
 * - sending: a due delivery is claimed by a conditional update (a lease past the attempt's
 *   timeout; an expired lease — a crashed instance — is taken over), sent signed, and its outcome
 *   recorded: SUCCEEDED on 2xx, else retried on the schedule until FAILED; an endpoint that fails
 *   everything for TESSERA_WEBHOOK_DISABLE_AFTER_HOURS is disabled (audited).
 * Everything lives in storage: restarts resume, and a Redis outage only slows the wake-ups.
 */
export class WebhookWorker extends PeriodicJob {
  private lastPrune = 0;
  private waking = false;
  private wakeAgain = false;

  constructor(
    private readonly deps: CoreDeps,
    private readonly outbound: OutboundPolicy,
  ) {
    super('webhooks', deps.logger);
  }

  override start(): void {
    super.start(this.deps.config.webhooks.pollMs);
    this.deps.dispatcher.onNewEvents(() => this.wake());
  }

  /** Runs soon, coalescing wake-ups that arrive during a run into one more run. */
  private wake(): void {
    if (this.waking) {
      this.wakeAgain = true;
      return;
    }
    this.waking = true;
    void this.run()
      .catch((error: Error) => this.logger.error({ component: 'webhooks', err: error.message }, 'webhook delivery failed'))
      .finally(() => {
        this.waking = false;
        if (this.wakeAgain) {
          this.wakeAgain = false;
          this.wake();
        }
      });
  }

  protected async work(shouldStop: StopSignal): Promise<number> {
    while (!shouldStop() && (await this.fanOut()) === BATCH);
    let sent = 0;
    for (;;) {
      if (shouldStop()) break;
      const round = await this.deliverDue();
      sent += round;
      if (round < BATCH) break;
    }
    await this.prune();
    return sent;
  }

  /** Turns the next events into deliveries; returns how many events it read (0: none new, or another instance moved the cursor). */
  async fanOut(): Promise<number> {
    const em = this.deps.orm.em.fork();
    const cursor = await em.findOne(WebhookCursor, { id: 1 });
    const after = cursor?.lastEventId ?? '0';
    if (!(await this.anyEndpoint(em))) return this.skipTo(em, cursor, after);
    const events = await em.find(TokenEventRecord, { id: { $gt: after } }, { orderBy: { id: 'asc' }, limit: BATCH });
    if (events.length === 0) return 0;
    const tenants = [...new Set(events.map((event) => event.tenantId))];
    const endpoints = await em.find(WebhookEndpoint, { tenantId: { $in: tenants }, enabled: true });
    const now = this.deps.clock.now();
    const rows = events.flatMap((event) =>
      endpoints
        .filter(
          (endpoint) =>
            endpoint.tenantId === event.tenantId &&
            BigInt(event.id) > BigInt(endpoint.sinceEventId) &&
            (!endpoint.eventTypes || endpoint.eventTypes.split(',').includes(event.type)),
        )
        .map((endpoint) => ({
          id: newId('whd'),
          tenantId: event.tenantId,
          endpointId: endpoint.id,
          eventId: String(event.id),
          eventType: event.type,
          status: DeliveryStatus.PENDING,
          attempts: 0,
          nextAttemptAt: now,
          createdAt: now,
          updatedAt: now,
        })),
    );
    const last = String(events[events.length - 1].id);
    const moved = await em.transactional(async (tx) => {
      const won = cursor
        ? await tx.nativeUpdate(WebhookCursor, { id: 1, lastEventId: after }, { lastEventId: last })
        : (await tx.insert(WebhookCursor, { id: 1, lastEventId: last }), 1);
      if (won !== 1) return false;
      for (let i = 0; i < rows.length; i += 200) {
        await (tx as SqlEntityManager)
          .createQueryBuilder(WebhookDelivery)
          .insert(rows.slice(i, i + 200))
          .onConflict(['endpointId', 'eventId'])
          .ignore()
          .execute();
      }
      return true;
    });
    return moved ? events.length : 0;
  }

  private async anyEndpoint(em: EntityManager): Promise<boolean> {
    return (await em.findOne(WebhookEndpoint, { enabled: true }, { fields: ['id'] })) !== null;
  }

  /**
   * No endpoint is enabled anywhere: no event needs a delivery, so the cursor moves to the newest
   * event without reading the ones between (bench/scale: a backlog of millions is one indexed
   * read). The newest id is read before looking again for an endpoint: one made after that look
   * starts after an id at least as new (its `sinceEventId`), so nothing it should get is skipped.
   */
  private async skipTo(em: EntityManager, cursor: WebhookCursor | null, after: string): Promise<number> {
    const last = await newestEventId(em);
    if (BigInt(last) <= BigInt(after) || (await this.anyEndpoint(em))) return 0;
    if (cursor) await em.nativeUpdate(WebhookCursor, { id: 1, lastEventId: after }, { lastEventId: last });
    else await em.insert(WebhookCursor, { id: 1, lastEventId: last });
    return 0;
  }

  /**
   * Claims the due deliveries (up to a batch) in one conditional update marked with this round's
   * claim token — what another instance claimed first is not due for this one — sends them, and
   * records the outcomes (successes in one statement). Returns how many it attempted.
   */
  async deliverDue(): Promise<number> {
    const em = this.deps.orm.em.fork();
    const now = this.deps.clock.now();
    const unclaimed = { $or: [{ claimedUntil: null }, { claimedUntil: { $lt: now } }] };
    const due = await em.find(
      WebhookDelivery,
      { status: DeliveryStatus.PENDING, nextAttemptAt: { $lte: now }, ...unclaimed },
      { orderBy: { nextAttemptAt: 'asc', id: 'asc' }, limit: BATCH, fields: ['id'] },
    );
    if (due.length === 0) return 0;
    const claimToken = randomUUID();
    const lease = new Date(now.getTime() + this.deps.config.webhooks.timeoutMs * 2 + 5_000);
    await em.nativeUpdate(
      WebhookDelivery,
      { id: { $in: due.map((delivery) => delivery.id) }, status: DeliveryStatus.PENDING, ...unclaimed },
      { claimedUntil: lease, claimToken },
    );
    const claimed = await em.fork().find(WebhookDelivery, { claimToken, status: DeliveryStatus.PENDING }, { orderBy: { nextAttemptAt: 'asc', id: 'asc' } });
    if (claimed.length === 0) return 0;
    const endpoints = new Map(
      (await em.find(WebhookEndpoint, { id: { $in: [...new Set(claimed.map((d) => d.endpointId))] } })).map((endpoint) => [endpoint.id, endpoint]),
    );
    const events = new Map(
      (await em.find(TokenEventRecord, { id: { $in: [...new Set(claimed.map((d) => d.eventId))] } })).map((event) => [String(event.id), event]),
    );
    const outcomes: Attempted[] = [];
    let next = 0;
    const lanes = Array.from({ length: Math.min(CONCURRENCY, claimed.length) }, async () => {
      while (next < claimed.length) {
        const delivery = claimed[next++];
        outcomes.push(await this.attempt(delivery, endpoints.get(delivery.endpointId), events.get(String(delivery.eventId))));
      }
    });
    await Promise.all(lanes);
    await this.recordAll(outcomes);
    return claimed.length;
  }

  private async attempt(delivery: WebhookDelivery, endpoint: WebhookEndpoint | undefined, event: TokenEventRecord | undefined): Promise<Attempted> {
    if (!endpoint || !event)
      return {
        delivery,
        endpoint,
        final: true,
        outcome: { ok: false, statusCode: null, error: !endpoint ? 'the endpoint no longer exists' : 'the event is past retention', response: null },
      };
    if (!endpoint.enabled)
      return { delivery, endpoint, final: true, outcome: { ok: false, statusCode: null, error: 'the endpoint is disabled', response: null } };
    return { delivery, endpoint, final: false, outcome: await this.send(delivery, endpoint, event) };
  }

  /** One signed POST: no redirect followed, bounded in time, at most an excerpt of the answer kept. */
  private async send(delivery: WebhookDelivery, endpoint: WebhookEndpoint, event: TokenEventRecord): Promise<Outcome> {
    const now = this.deps.clock.now();
    const secrets = [this.deps.box.decrypt(endpoint.secretSealed, endpoint.id)];
    if (endpoint.previousSecretSealed && endpoint.previousSecretUntil && endpoint.previousSecretUntil > now)
      secrets.push(this.deps.box.decrypt(endpoint.previousSecretSealed, endpoint.id));
    const body = payloadOf(event);
    try {
      const response = await this.outbound.fetch(endpoint.url, {
        method: 'POST',
        // The wall clock of the attempt: receivers hold it against theirs (a replay window).
        headers: signedHeaders(secrets, delivery.id, Math.floor(Date.now() / 1000), body),
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.deps.config.webhooks.timeoutMs),
      });
      const text = (await response.text()).slice(0, EXCERPT);
      const ok = response.status >= 200 && response.status < 300;
      return { ok, statusCode: response.status, error: ok ? null : `the receiver answered ${response.status}`, response: text || null };
    } catch (error) {
      return { ok: false, statusCode: null, error: reasonOf(error), response: null };
    }
  }

  /**
   * Records a round's outcomes: successes in one statement per attempt count and status (and one clearing
   * their endpoints' failing streak), each failure with its own next attempt; then disables the
   * endpoints failing too long.
   */
  private async recordAll(outcomes: Attempted[]): Promise<void> {
    const em = this.deps.orm.em.fork();
    const now = this.deps.clock.now();
    const { maxAttempts, retryBaseMs, disableAfterHours } = this.deps.config.webhooks;
    const succeeded = outcomes.filter((attempt) => attempt.outcome.ok);
    // One statement per (attempt count, status code): usually one for the whole round.
    const groups = new Map<string, Attempted[]>();
    for (const attempt of succeeded) {
      const key = `${attempt.delivery.attempts + 1}:${attempt.outcome.statusCode}`;
      const group = groups.get(key);
      if (group) group.push(attempt);
      else groups.set(key, [attempt]);
    }
    for (const group of groups.values()) {
      await em.nativeUpdate(
        WebhookDelivery,
        { id: { $in: group.map((attempt) => attempt.delivery.id) } },
        {
          attempts: group[0].delivery.attempts + 1,
          status: DeliveryStatus.SUCCEEDED,
          nextAttemptAt: null,
          claimedUntil: null,
          claimToken: null,
          lastStatusCode: group[0].outcome.statusCode,
          // An excerpt is kept for diagnosing failures only.
          lastError: null,
          lastResponse: null,
          deliveredAt: now,
          updatedAt: now,
        },
      );
    }
    const healthy = [...new Set(succeeded.map((attempt) => attempt.endpoint?.id).filter((id): id is string => Boolean(id)))];
    if (healthy.length) await em.nativeUpdate(WebhookEndpoint, { id: { $in: healthy }, failingSince: { $ne: null } }, { failingSince: null });

    const failing = new Map<string, WebhookEndpoint>();
    for (const { delivery, endpoint, outcome, final } of outcomes.filter((attempt) => !attempt.outcome.ok)) {
      const attempts = delivery.attempts + 1;
      const failed = final || attempts >= maxAttempts;
      await em.nativeUpdate(
        WebhookDelivery,
        { id: delivery.id },
        {
          attempts,
          status: failed ? DeliveryStatus.FAILED : DeliveryStatus.PENDING,
          nextAttemptAt: failed ? null : new Date(now.getTime() + retryDelayMs(retryBaseMs, attempts)),
          claimedUntil: null,
          claimToken: null,
          lastStatusCode: outcome.statusCode,
          lastError: outcome.error,
          lastResponse: outcome.response,
          deliveredAt: null,
          updatedAt: now,
        },
      );
      if (endpoint?.enabled && !healthy.includes(endpoint.id)) failing.set(endpoint.id, endpoint);
    }
    for (const endpoint of failing.values()) {
      await em.nativeUpdate(WebhookEndpoint, { id: endpoint.id, failingSince: null }, { failingSince: now });
      const since = (await em.findOne(WebhookEndpoint, { id: endpoint.id }, { fields: ['failingSince'] }))?.failingSince;
      if (since && now.getTime() - since.getTime() >= disableAfterHours * HOUR) await this.disable(em, endpoint, since);
    }
  }

  /** Switches off an endpoint that failed everything for too long: once (conditional), audited, logged. */
  private async disable(em: EntityManager, endpoint: WebhookEndpoint, since: Date): Promise<void> {
    const now = this.deps.clock.now();
    const won = await em.nativeUpdate(WebhookEndpoint, { id: endpoint.id, enabled: true }, { enabled: false, disabledReason: 'FAILING', updatedAt: now });
    if (won !== 1) return;
    await this.deps.lifecycle.run(systemActor(endpoint.tenantId, 'webhooks'), async (tx) =>
      tx.audit(
        'webhook_endpoint.disabled',
        { type: 'WebhookEndpoint', id: endpoint.id, name: endpoint.url },
        { reason: 'FAILING', failingSince: since.toISOString(), hours: this.deps.config.webhooks.disableAfterHours },
      ),
    );
    this.logger.warn(
      { component: 'webhooks', endpointId: endpoint.id, tenantId: endpoint.tenantId },
      'webhook endpoint disabled: every delivery failed too long',
    );
  }

  /** Deliveries are kept for the event retention period (0: forever). */
  private async prune(): Promise<void> {
    const now = this.deps.clock.now().getTime();
    if (this.deps.config.eventRetentionDays === 0 || now - this.lastPrune < this.deps.config.retentionIntervalMs) return;
    this.lastPrune = now;
    const before = new Date(now - this.deps.config.eventRetentionDays * DAY);
    await this.deps.orm.em.fork().nativeDelete(WebhookDelivery, { createdAt: { $lt: before }, status: { $ne: DeliveryStatus.PENDING } });
  }
}

/** Why an attempt got no answer, in one wording per cause (nothing a port scan could use beyond it). */
function reasonOf(error: unknown): string {
  if (isDestinationNotAllowed(error)) return 'the destination is not public and not allowed by TESSERA_OUTBOUND_ALLOWED_HOSTS';
  const name = (error as { name?: string })?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return 'the receiver did not answer in time';
  return 'the receiver could not be reached';
}
