import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import type { Logger } from '../logger';

/** What instances tell each other. Small on purpose: events themselves are read from storage. */
export interface BusMessage {
  /** The instance that sent it. */
  origin: string;
  /** New events were committed: read the outbox. */
  events?: boolean;
  /** Tokens whose verification results every instance must forget now. */
  evictTokenIds?: string[];
  /** Set on evictions: receivers acknowledge once they have evicted. */
  id?: string;
}

/** The longest a change waits for other instances to acknowledge an eviction. */
export const EVICTION_ACK_TIMEOUT_MS = 250;

/** The longest a PUBLISH (an announcement or a heartbeat) waits for Redis. */
export const PUBLISH_TIMEOUT_MS = 1_000;

/**
 * What an announcement reached: how many other instances acknowledged its evictions in time, out
 * of how many were listening (PUBLISH's answer, or the last known count when Redis did not
 * answer). `acknowledged < expected` is a shortfall: the change is committed, and every instance
 * that missed it stops trusting its cached answers within the bus's bound.
 */
export interface Propagation {
  acknowledged: number;
  expected: number;
}

/**
 * The bus's liveness lease, for {@link RedisBus}: how often it proves itself and how long a proof
 * lasts. `boundMs` is `TESSERA_VERIFY_CACHE_TTL_MS`: the longest any instance can accept a token
 * after its revocation returned, whatever Redis or the network does.
 */
export interface LeaseTimings {
  boundMs: number;
  /** Between two heartbeats. @default boundMs / 5, within 100..1000 ms */
  heartbeatIntervalMs?: number;
  /** A heartbeat that comes back later than this proves nothing. @default as the interval */
  heartbeatTimeoutMs?: number;
}

type Handler = (message: BusMessage) => void;

/**
 * The fan-out between instances. `publish` delivers to this instance's handlers at once and to
 * the others through Redis; it never throws: the change it announces is already committed, and
 * an instance that misses a message catches up from storage.
 */
export interface Bus {
  readonly instanceId: string;
  /** Never throws, never waits longer than {@link PUBLISH_TIMEOUT_MS} + {@link EVICTION_ACK_TIMEOUT_MS}. */
  publish(message: Omit<BusMessage, 'origin'>): Promise<Propagation>;
  onMessage(handler: Handler): void;
  /** Hands a message to this instance's own handlers only (evictions read from storage). */
  deliverLocally(message: BusMessage): void;
  /** Called when the connection to the other instances returns after a loss (or its lease lapsed). */
  onReconnect(handler: () => void): void;
  /**
   * Until when (epoch ms) this instance has proven it hears every message sent on the bus before
   * now: the last heartbeat that came back in time, sent at `s`, proves it until `s + boundMs`.
   * Cached verification answers are trusted past the bound only before this time.
   */
  readonly trustedUntil: number;
  /** Whether the lease holds now (`Date.now() < trustedUntil`): `/readyz` reports the bus up. */
  readonly connected: boolean;
  close(): Promise<void>;
}

/** One instance, nothing to install: messages stay in the process. */
export class InProcessBus implements Bus {
  private readonly emitter = new EventEmitter();
  readonly connected = true;
  readonly trustedUntil = Number.POSITIVE_INFINITY;

  constructor(readonly instanceId: string) {
    this.emitter.setMaxListeners(0);
  }

  async publish(message: Omit<BusMessage, 'origin'>): Promise<Propagation> {
    this.emitter.emit('message', { ...message, origin: this.instanceId });
    return { acknowledged: 0, expected: 0 };
  }

  onMessage(handler: Handler): void {
    this.emitter.on('message', handler);
  }

  deliverLocally(message: BusMessage): void {
    this.emitter.emit('message', message);
  }

  onReconnect(): void {
    // A process never loses itself.
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}

export const BUS_CHANNEL = 'tessera:bus';
const ackChannel = (instanceId: string) => `tessera:ack:${instanceId}`;

/**
 * Redis pub/sub with one publishing and ONE subscribing connection per process, whatever the
 * number of WebSocket listeners. Every instance serves every tenant, so a single channel with
 * small wake-up messages costs less than a channel per tenant that each instance would have to
 * join anyway.
 *
 * Evictions are acknowledged: PUBLISH answers how many processes received the message, each
 * receiver acknowledges on the sender's own channel once its cache has dropped the tokens, and
 * `publish` resolves when all have, or after {@link EVICTION_ACK_TIMEOUT_MS}, with how many did.
 * Every command has a timeout: a hung Redis or a held connection cannot stall a change.
 *
 * Liveness is proven, not assumed from the socket: every heartbeat interval the instance
 * publishes a heartbeat to itself and waits for it on its subscribing connection. Redis relays
 * to one subscriber in the order it executed the PUBLISHes, so a heartbeat that comes back proves
 * that every message published before it was sent has been received. A heartbeat sent at `s` that
 * comes back within the heartbeat timeout extends {@link trustedUntil} to `s + boundMs`; an
 * instance whose heartbeats stop coming back (partition, paused Redis, a stalled process) loses
 * its lease within the bound, and the verifier then stops trusting cached answers older than the
 * bound (fail closed).
 */
export class RedisBus implements Bus {
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly emitter = new EventEmitter();
  private down = false;
  private closing = false;
  private readonly awaitingAcks = new Map<string, { received: number; expected: number | null; done: () => void }>();
  private lease = 0;
  private leaseHeld = false;
  /** Heartbeats in flight: sequence number → sent at (epoch ms). */
  private readonly beats = new Map<number, number>();
  private beatSequence = 0;
  private beatTimer?: NodeJS.Timeout;
  private firstBeat?: () => void;
  /** Other instances listening, as the last PUBLISH answered. */
  private peers = 0;
  readonly boundMs: number;
  readonly heartbeatIntervalMs: number;
  readonly heartbeatTimeoutMs: number;

  constructor(
    readonly instanceId: string,
    url: string,
    private readonly logger: Logger,
    timings: LeaseTimings,
  ) {
    this.boundMs = timings.boundMs;
    this.heartbeatIntervalMs = timings.heartbeatIntervalMs ?? Math.min(1_000, Math.max(100, Math.floor(timings.boundMs / 5)));
    this.heartbeatTimeoutMs = timings.heartbeatTimeoutMs ?? this.heartbeatIntervalMs;
    this.emitter.setMaxListeners(0);
    const retryStrategy = (attempt: number) => Math.min(50 * attempt, 1000);
    const common = { retryStrategy, lazyConnect: true, connectTimeout: 2_000 } as const;
    // Commands fail after the timeout instead of waiting for a Redis that does not answer.
    this.publisher = new Redis(url, { ...common, enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: PUBLISH_TIMEOUT_MS });
    this.subscriber = new Redis(url, { ...common, maxRetriesPerRequest: null, commandTimeout: 2_000 });
    for (const client of [this.publisher, this.subscriber]) {
      client.on('error', (error: Error) => this.markDown(error));
      client.on('end', () => this.markDown(new Error('connection ended')));
    }
    this.subscriber.on('message', (channel: string, raw: string) => {
      let message: BusMessage & { ackOf?: string; beat?: number };
      try {
        message = JSON.parse(raw) as BusMessage & { ackOf?: string; beat?: number };
      } catch {
        return;
      }
      if (channel !== BUS_CHANNEL) {
        if (typeof message.beat === 'number') return this.beatReturned(message.beat);
        return this.acknowledged(message.ackOf);
      }
      if (message.origin === this.instanceId) return;
      this.emitter.emit('message', message);
      if (message.id) void this.publisher.publish(ackChannel(message.origin), JSON.stringify({ ackOf: message.id })).catch(() => undefined);
    });
    this.subscriber.on('ready', () => {
      if (this.down) {
        this.down = false;
        this.logger.info({ component: 'bus' }, 'redis is reachable again; catching up from storage');
        this.emitter.emit('reconnect');
      }
    });
  }

  /** Connects both clients, joins the channels and proves liveness once; fails if Redis cannot be reached at start. */
  async connect(): Promise<void> {
    await Promise.all([this.publisher.connect(), this.subscriber.connect()]);
    await this.subscriber.subscribe(BUS_CHANNEL, ackChannel(this.instanceId));
    const proven = new Promise<void>((resolve) => (this.firstBeat = resolve));
    this.beat();
    this.beatTimer = setInterval(() => this.beat(), this.heartbeatIntervalMs);
    this.beatTimer.unref();
    // Start with a lease when Redis answers in time; without one the instance still serves (from storage).
    const timer = setTimeout(() => this.firstBeat?.(), this.heartbeatTimeoutMs * 2);
    await proven;
    clearTimeout(timer);
    this.firstBeat = undefined;
  }

  get trustedUntil(): number {
    return this.lease;
  }

  get connected(): boolean {
    return Date.now() < this.lease;
  }

  /** Sends one heartbeat to this instance's own channel, and notices a lapsed lease. */
  private beat(): void {
    const now = Date.now();
    if (this.leaseHeld && now >= this.lease) {
      this.leaseHeld = false;
      this.logger.warn(
        { component: 'bus', boundMs: this.boundMs },
        'bus liveness not proven within the bound: cached verifications older than the bound are no longer trusted (read from storage) until heartbeats return',
      );
    }
    for (const [sequence, sentAt] of this.beats) if (now - sentAt > this.heartbeatTimeoutMs) this.beats.delete(sequence);
    const sequence = (this.beatSequence += 1);
    this.beats.set(sequence, now);
    void this.publisher.publish(ackChannel(this.instanceId), JSON.stringify({ beat: sequence })).catch(() => undefined);
  }

  private beatReturned(sequence: number): void {
    const sentAt = this.beats.get(sequence);
    if (sentAt === undefined) return;
    this.beats.delete(sequence);
    const now = Date.now();
    // A late heartbeat proves nothing: messages may have waited anywhere meanwhile.
    if (now - sentAt > this.heartbeatTimeoutMs) return;
    // Older heartbeats in flight can no longer prove more than this one.
    for (const older of this.beats.keys()) if (older < sequence) this.beats.delete(older);
    this.lease = Math.max(this.lease, sentAt + this.boundMs);
    this.firstBeat?.();
    if (!this.leaseHeld) {
      const regained = this.beatSequence > 1;
      this.leaseHeld = true;
      if (regained) {
        // Evictions may have been missed while the lease was lapsed: forget everything cached.
        this.logger.info({ component: 'bus' }, 'bus liveness proven again; cached verifications trusted again');
        this.emitter.emit('reconnect');
      }
    }
  }

  private acknowledged(id: string | undefined): void {
    const waiting = id ? this.awaitingAcks.get(id) : undefined;
    if (!waiting) return;
    waiting.received += 1;
    if (waiting.expected !== null && waiting.received >= waiting.expected) waiting.done();
  }

  private markDown(error: Error): void {
    if (this.closing || this.down) return;
    this.down = true;
    // Once per outage, not once per event.
    this.logger.warn({ component: 'bus', err: error.message }, 'redis is unreachable; instances fall back to polling storage and short cache lifetimes');
  }

  async publish(partial: Omit<BusMessage, 'origin'>): Promise<Propagation> {
    const id = partial.evictTokenIds?.length ? randomUUID() : undefined;
    const message: BusMessage = { ...partial, origin: this.instanceId, ...(id ? { id } : {}) };
    this.emitter.emit('message', message);
    let timer: NodeJS.Timeout | undefined;
    const waiting = { received: 0, expected: null as number | null, done: () => undefined as void };
    const acked = id
      ? new Promise<void>((resolve) => {
          waiting.done = resolve;
          this.awaitingAcks.set(id, waiting);
        })
      : undefined;
    let published = false;
    let failure: string | undefined;
    try {
      // Bounded by the publisher's command timeout.
      const receivers = await this.publisher.publish(BUS_CHANNEL, JSON.stringify(message));
      published = true;
      // Every receiver but this process acknowledges (acks may have arrived already).
      this.peers = Math.max(0, receivers - 1);
      waiting.expected = this.peers;
      if (acked && waiting.received < waiting.expected) {
        timer = setTimeout(() => waiting.done(), EVICTION_ACK_TIMEOUT_MS);
        await acked;
      }
    } catch (error) {
      // Logged below for evictions; a lost "new events" wake-up is caught up by polling storage.
      failure = (error as Error).message;
    } finally {
      if (id) this.awaitingAcks.delete(id);
      if (timer) clearTimeout(timer);
    }
    if (!id) return { acknowledged: 0, expected: 0 };
    // Unpublished, nobody is known to have heard it: at least one other instance may exist (an
    // instance that has not published yet does not know how many listen).
    const propagation = published
      ? { acknowledged: Math.min(waiting.received, this.peers), expected: this.peers }
      : { acknowledged: 0, expected: Math.max(this.peers, 1) };
    if (!published || propagation.acknowledged < propagation.expected) {
      this.logger.warn(
        { component: 'bus', ...propagation, published, ...(failure ? { err: failure } : {}), boundMs: this.boundMs, tokenIds: partial.evictTokenIds },
        'an eviction was not acknowledged by every instance in time; each stops trusting its cached answers within boundMs',
      );
    }
    return propagation;
  }

  onMessage(handler: Handler): void {
    this.emitter.on('message', handler);
  }

  deliverLocally(message: BusMessage): void {
    this.emitter.emit('message', message);
  }

  onReconnect(handler: () => void): void {
    this.emitter.on('reconnect', handler);
  }

  async close(): Promise<void> {
    this.closing = true;
    if (this.beatTimer) clearInterval(this.beatTimer);
    this.emitter.removeAllListeners();
    this.publisher.disconnect();
    this.subscriber.disconnect();
  }
}
