import type { MikroORM } from '@mikro-orm/core';
import type { Logger } from '../logger';
import type { Bus } from './bus';
import { newestEventId, TokenEventRecord } from './event.entity';

/** Decides whether a listener receives an event (tenant, visibility, the listener's filter). */
export type EventPredicate = (event: TokenEventRecord) => boolean;

const PAGE = 500;
/** A listener this far behind is closed; it resumes with `after`, losing nothing. */
const MAX_QUEUE = 10_000;
/**
 * Listeners handed an event before the fan-out yields to I/O. Delivering to thousands of
 * listeners is thousands of executions and socket writes run as one burst of microtasks; in
 * slices, requests that arrive meanwhile (a gateway's verify) are answered between slices
 * instead of waiting for the whole burst.
 */
const FAN_OUT_SLICE = 25;

/** Resolves after pending I/O callbacks have had their turn (the check phase follows poll). */
const yieldToIo = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Thrown into a listener's stream when it fell too far behind. */
export class ListenerOverflowError extends Error {
  constructor() {
    super('This listener fell too far behind and was closed; subscribe again with `after` set to the last id you received.');
  }
}

class Listener implements AsyncIterableIterator<TokenEventRecord> {
  private readonly queue: TokenEventRecord[] = [];
  private waiting?: (result: IteratorResult<TokenEventRecord>) => void;
  private failWaiting?: (error: Error) => void;
  private failure?: Error;
  private buffer: TokenEventRecord[] | null = [];
  done = false;

  constructor(
    private lastId: bigint,
    readonly tenantId: string,
    readonly accepts: EventPredicate,
    private readonly onClose: (listener: Listener) => void,
  ) {}

  /** While the backlog is being replayed, live events wait in a buffer. */
  offer(event: TokenEventRecord): void {
    if (this.done) return;
    if (this.buffer) this.buffer.push(event);
    else this.deliver(event);
  }

  /** Delivers in id order, at most once. */
  deliver(event: TokenEventRecord): void {
    const id = BigInt(event.id);
    if (this.done || id <= this.lastId) return;
    this.lastId = id;
    if (!this.accepts(event)) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = this.failWaiting = undefined;
      resolve({ value: event, done: false });
      return;
    }
    this.queue.push(event);
    if (this.queue.length > MAX_QUEUE) this.fail(new ListenerOverflowError());
  }

  /** Ends the replay: buffered live events follow, duplicates dropped. */
  goLive(): void {
    const buffered = this.buffer ?? [];
    this.buffer = null;
    for (const event of buffered) this.deliver(event);
  }

  get position(): bigint {
    return this.lastId;
  }

  fail(error: Error): void {
    if (this.done) return;
    this.failure = error;
    if (this.failWaiting) {
      const reject = this.failWaiting;
      this.waiting = this.failWaiting = undefined;
      reject(error);
    }
    this.finish();
  }

  next(): Promise<IteratorResult<TokenEventRecord>> {
    const value = this.queue.shift();
    if (value) return Promise.resolve({ value, done: false });
    if (this.failure) {
      const failure = this.failure;
      this.failure = undefined;
      return Promise.reject(failure);
    }
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.failWaiting = reject;
    });
  }

  return(): Promise<IteratorResult<TokenEventRecord>> {
    this.finish();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error: unknown): Promise<IteratorResult<TokenEventRecord>> {
    this.finish();
    return Promise.reject(error);
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.queue.length = 0;
    this.onClose(this);
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = this.failWaiting = undefined;
      resolve({ value: undefined, done: true });
    }
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<TokenEventRecord> {
    return this;
  }
}

/**
 * Relays committed events to this instance's listeners. Storage is the source of truth: a bus
 * message only says "read now", and a timer reads anyway, so a lost message, a Redis outage or
 * an instance restart delays a notice but never loses it. One read serves every listener.
 */
export class EventDispatcher {
  private cursor = 0n;
  private readonly listeners = new Set<Listener>();
  private pulling: Promise<void> | null = null;
  private pullAgain = false;
  private timer?: NodeJS.Timeout;
  private closed = false;
  private readonly newEventWatchers = new Set<() => void>();

  constructor(
    private readonly orm: MikroORM,
    private readonly bus: Bus,
    private readonly logger: Logger,
    private readonly pollMs: number,
  ) {}

  private async newestId(): Promise<bigint> {
    return BigInt(await newestEventId(this.orm.em.fork()));
  }

  async start(): Promise<void> {
    this.cursor = await this.newestId();
    this.bus.onMessage((message) => {
      if (message.events) void this.pull();
    });
    this.bus.onReconnect(() => void this.pull());
    this.timer = setInterval(() => void this.pull(), this.pollMs);
    this.timer.unref();
  }

  /** The id of the newest event this instance has relayed. */
  get position(): string {
    return this.cursor.toString();
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  /**
   * Calls `watcher` whenever this instance reads newly committed events (woken by the bus or its
   * timer): for parts that read the history themselves at their own pace (webhook delivery).
   * Returns the unsubscribe.
   */
  onNewEvents(watcher: () => void): () => void {
    this.newEventWatchers.add(watcher);
    return () => this.newEventWatchers.delete(watcher);
  }

  /** Reads events committed since the last read and hands them to listeners; calls coalesce. */
  pull(): Promise<void> {
    if (this.pulling) {
      this.pullAgain = true;
      return this.pulling;
    }
    this.pulling = (async () => {
      const before = this.cursor;
      try {
        do {
          this.pullAgain = false;
          await this.readNew();
        } while (this.pullAgain && !this.closed);
        if (this.cursor !== before) for (const watcher of this.newEventWatchers) watcher();
      } catch (error) {
        if (!this.closed)
          this.logger.error({ component: 'dispatcher', err: (error as Error).message }, 'reading new events failed; retrying on the next wake-up');
      } finally {
        this.pulling = null;
      }
    })();
    return this.pulling;
  }

  private async readNew(): Promise<void> {
    // Nobody listens on this instance: nothing to hand out, so move to the newest event without
    // reading the rows in between (a backlog of millions costs one indexed read, not millions of
    // rows; bench/scale). A listener that arrives meanwhile gets the full read below.
    if (this.listeners.size === 0) {
      const newest = await this.newestId();
      if (this.listeners.size === 0) {
        if (newest > this.cursor) this.cursor = newest;
        return;
      }
    }
    for (;;) {
      const rows = await this.orm.em.fork().find(TokenEventRecord, { id: { $gt: this.cursor.toString() } }, { orderBy: { id: 'asc' }, limit: PAGE });
      for (const event of rows) {
        this.cursor = BigInt(event.id);
        // A snapshot: listeners added while this event fans out start after it (their position is the cursor).
        let handed = 0;
        for (const listener of [...this.listeners]) {
          if (listener.tenantId !== event.tenantId || listener.done) continue;
          listener.offer(event);
          if (++handed % FAN_OUT_SLICE === 0) await yieldToIo();
        }
      }
      if (rows.length < PAGE || this.closed) return;
    }
  }

  /**
   * A stream of events for one listener. With `after`, first every stored event after that id
   * (the ones it missed), then live ones: in order, with no gap and no duplicate.
   */
  subscribe(tenantId: string, accepts: EventPredicate, after?: string): AsyncIterableIterator<TokenEventRecord> {
    const start = after !== undefined ? BigInt(after) : this.cursor;
    const listener = new Listener(start, tenantId, accepts, (closed) => this.listeners.delete(closed));
    this.listeners.add(listener);
    if (after === undefined) {
      listener.goLive();
      return listener;
    }
    void this.replay(listener).catch((error: Error) => listener.fail(error));
    return listener;
  }

  private async replay(listener: Listener): Promise<void> {
    for (;;) {
      const rows = await this.orm.em
        .fork()
        .find(TokenEventRecord, { tenantId: listener.tenantId, id: { $gt: listener.position.toString() } }, { orderBy: { id: 'asc' }, limit: PAGE });
      for (const event of rows) listener.deliver(event);
      if (rows.length < PAGE || listener.done) break;
    }
    listener.goLive();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    for (const listener of [...this.listeners]) void listener.return();
    await this.pulling;
  }
}
