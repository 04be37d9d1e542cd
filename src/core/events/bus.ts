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

type Handler = (message: BusMessage) => void;

/**
 * The fan-out between instances. `publish` delivers to this instance's handlers at once and to
 * the others through Redis; it never throws: the change it announces is already committed, and
 * an instance that misses a message catches up from storage.
 */
export interface Bus {
  readonly instanceId: string;
  publish(message: Omit<BusMessage, 'origin'>): Promise<void>;
  onMessage(handler: Handler): void;
  /** Called when the connection to the other instances returns after a loss. */
  onReconnect(handler: () => void): void;
  /** Whether messages currently reach the other instances. */
  readonly connected: boolean;
  close(): Promise<void>;
}

/** One instance, nothing to install: messages stay in the process. */
export class InProcessBus implements Bus {
  private readonly emitter = new EventEmitter();
  readonly connected = true;

  constructor(readonly instanceId: string) {
    this.emitter.setMaxListeners(0);
  }

  async publish(message: Omit<BusMessage, 'origin'>): Promise<void> {
    this.emitter.emit('message', { ...message, origin: this.instanceId });
  }

  onMessage(handler: Handler): void {
    this.emitter.on('message', handler);
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
 * `publish` resolves when all have (or after {@link EVICTION_ACK_TIMEOUT_MS}, so a hung instance
 * cannot stall changes). A revocation therefore returns only after every reachable instance
 * refuses the token.
 */
export class RedisBus implements Bus {
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly emitter = new EventEmitter();
  private down = false;
  private closing = false;
  private readonly awaitingAcks = new Map<string, { received: number; expected: number | null; done: () => void }>();

  constructor(
    readonly instanceId: string,
    url: string,
    private readonly logger: Logger,
  ) {
    this.emitter.setMaxListeners(0);
    const retryStrategy = (attempt: number) => Math.min(50 * attempt, 1000);
    this.publisher = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy, lazyConnect: true });
    this.subscriber = new Redis(url, { retryStrategy, lazyConnect: true, maxRetriesPerRequest: null });
    for (const client of [this.publisher, this.subscriber]) {
      client.on('error', (error: Error) => this.markDown(error));
      client.on('end', () => this.markDown(new Error('connection ended')));
    }
    this.subscriber.on('message', (channel: string, raw: string) => {
      let message: BusMessage & { ackOf?: string };
      try {
        message = JSON.parse(raw) as BusMessage & { ackOf?: string };
      } catch {
        return;
      }
      if (channel !== BUS_CHANNEL) return this.acknowledged(message.ackOf);
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

  /** Connects both clients and joins the channel; fails if Redis cannot be reached at start. */
  async connect(): Promise<void> {
    await Promise.all([this.publisher.connect(), this.subscriber.connect()]);
    await this.subscriber.subscribe(BUS_CHANNEL, ackChannel(this.instanceId));
  }

  private acknowledged(id: string | undefined): void {
    const waiting = id ? this.awaitingAcks.get(id) : undefined;
    if (!waiting) return;
    waiting.received += 1;
    if (waiting.expected !== null && waiting.received >= waiting.expected) waiting.done();
  }

  get connected(): boolean {
    return !this.down && this.publisher.status === 'ready';
  }

  private markDown(error: Error): void {
    if (this.closing || this.down) return;
    this.down = true;
    // Once per outage, not once per event.
    this.logger.warn({ component: 'bus', err: error.message }, 'redis is unreachable; instances fall back to polling storage and short cache lifetimes');
  }

  async publish(partial: Omit<BusMessage, 'origin'>): Promise<void> {
    const id = partial.evictTokenIds?.length ? randomUUID() : undefined;
    const message: BusMessage = { ...partial, origin: this.instanceId, ...(id ? { id } : {}) };
    this.emitter.emit('message', message);
    let timer: NodeJS.Timeout | undefined;
    const acked = id
      ? new Promise<void>((resolve) => {
          this.awaitingAcks.set(id, { received: 0, expected: null, done: resolve });
          timer = setTimeout(resolve, EVICTION_ACK_TIMEOUT_MS);
        })
      : undefined;
    try {
      const receivers = await this.publisher.publish(BUS_CHANNEL, JSON.stringify(message));
      const waiting = id ? this.awaitingAcks.get(id) : undefined;
      if (waiting) {
        // Every receiver but this process acknowledges (acks may have arrived already).
        waiting.expected = receivers - 1;
        if (waiting.received >= waiting.expected) waiting.done();
        await acked;
      }
    } catch (error) {
      this.markDown(error as Error);
    } finally {
      if (id) this.awaitingAcks.delete(id);
      if (timer) clearTimeout(timer);
    }
  }

  onMessage(handler: Handler): void {
    this.emitter.on('message', handler);
  }

  onReconnect(handler: () => void): void {
    this.emitter.on('reconnect', handler);
  }

  async close(): Promise<void> {
    this.closing = true;
    this.emitter.removeAllListeners();
    this.publisher.disconnect();
    this.subscriber.disconnect();
  }
}
