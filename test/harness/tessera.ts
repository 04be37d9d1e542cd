import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { ManualClock } from '../../src/core/clock';
import { loadConfig } from '../../src/core/config';
import { createServer, type ServerOptions, type TesseraServer } from '../../src/server';
import { createDatabaseOn } from './services';

export type Backend = 'sqlite' | 'postgres';

/** Both storage backends; the embedded default with in-process pub/sub, PostgreSQL with Redis. */
export const BACKENDS: Backend[] = ['sqlite', 'postgres'];

export interface GraphQLErrorShape {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; field?: string; reason?: string; [key: string]: unknown };
}

export interface GraphQLResponse<T> {
  data?: T | null;
  errors?: GraphQLErrorShape[];
}

export interface StartOptions {
  backend: Backend;
  /** Use Redis (always on with postgres unless false). */
  redis?: boolean | string;
  /** Share this database with another instance (its url or sqlite path). */
  databaseUrl?: string;
  clock?: ManualClock;
  /** Extra environment for loadConfig. */
  env?: Record<string, string>;
  /** Keep the periodic sweep off (tests call sweep.run()). @default false */
  sweep?: boolean;
  onQuery?: ServerOptions['onQuery'];
  secretKey?: string;
  bootstrapToken?: string;
  /** Build the server from these modules only. @default every module */
  modules?: ServerOptions['modules'];
}

/** A running Tessera with clients for it. */
export interface TestInstance {
  server: TesseraServer;
  url: string;
  clock: ManualClock;
  /** The bootstrap administrator's token. */
  adminToken: string;
  databaseUrl: string;
  secretKey: string;
  /** Every JSON log line the instance wrote. */
  logs: string[];
  /** What the instance printed (the bootstrap line). */
  printed: string[];
  gql<TData, TVars>(document: TypedDocumentNode<TData, TVars>, variables?: TVars, token?: string | null): Promise<GraphQLResponse<TData>>;
  /** Raw POST /graphql, for requests the typed client cannot express. */
  raw(body: unknown, headers?: Record<string, string>): Promise<{ status: number; body: GraphQLResponse<Record<string, unknown>> }>;
  /** A graphql-ws client authenticated with `token` (the admin token by default). */
  ws(token?: string | null): WsClient;
  close(): Promise<void>;
}

export async function newDatabaseUrl(backend: Backend): Promise<string> {
  if (backend === 'postgres') {
    const shared = process.env.TESSERA_TEST_PG_URL;
    if (!shared) throw new Error('TESSERA_TEST_PG_URL is not set: the jest globalSetup starts PostgreSQL');
    return createDatabaseOn(shared);
  }
  const dir = mkdtempSync(join(tmpdir(), 'tessera-test-'));
  return `sqlite:${join(dir, 'tessera.db')}`;
}

/** Starts an instance on a fresh database (or `databaseUrl`), on a random port. */
export async function startTessera(options: StartOptions): Promise<TestInstance> {
  const databaseUrl = options.databaseUrl ?? (await newDatabaseUrl(options.backend));
  const useRedis = options.redis ?? options.backend === 'postgres';
  const redisUrl = typeof useRedis === 'string' ? useRedis : useRedis ? process.env.TESSERA_TEST_REDIS_URL : undefined;
  if (useRedis && !redisUrl) throw new Error('TESSERA_TEST_REDIS_URL is not set: the jest globalSetup starts Redis');
  const secretKey = options.secretKey ?? randomBytes(32).toString('hex');
  const adminToken = options.bootstrapToken ?? `bootstrap-${randomBytes(24).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-data-'));
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    TESSERA_SECRET_KEY: secretKey,
    TESSERA_BOOTSTRAP_ADMIN_TOKEN: adminToken,
    TESSERA_DATA_DIR: dataDir,
    TESSERA_EVENT_POLL_MS: '200',
    TESSERA_LAST_USED_FLUSH_MS: '50',
    LOG_LEVEL: 'info',
    // Suites share one Redis and one address: rate-limit tests set their own limits.
    TESSERA_RATE_AUTH_FAILURES_PER_MINUTE: '1000000',
    TESSERA_RATE_LEAKS_PER_IP_PER_MINUTE: '1000000',
    // Every document through graphql-jit from its first run (in production from its second): the
    // suite holds the compiled path to the API's contract, not just graphql-js.
    TESSERA_GRAPHQL_COMPILE_AFTER: '1',
    // The suites' OAuth providers listen on loopback, which outbound calls refuse unless allowed;
    // the outbound security tests set their own list.
    TESSERA_OUTBOUND_ALLOWED_HOSTS: '127.0.0.1,localhost,::1',
    ...options.env,
  });
  const clock = options.clock ?? new ManualClock();
  const logs: string[] = [];
  const printed: string[] = [];
  const logDestination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      callback();
    },
  });
  const server = await createServer(config, {
    clock,
    logDestination: logDestination as never,
    print: (line) => printed.push(line),
    sweep: options.sweep ?? false,
    onQuery: options.onQuery,
    modules: options.modules,
  });
  const clients: WsClient[] = [];
  const instance: TestInstance = {
    server,
    url: server.url,
    clock,
    adminToken,
    databaseUrl,
    secretKey,
    logs,
    printed,
    async gql(document, variables, token = adminToken) {
      const response = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query: print(document), variables }),
      });
      return (await response.json()) as GraphQLResponse<never>;
    },
    async raw(body, headers = {}) {
      const response = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}`, ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await response.text();
      let parsed: GraphQLResponse<Record<string, unknown>>;
      try {
        parsed = JSON.parse(text) as GraphQLResponse<Record<string, unknown>>;
      } catch {
        parsed = { errors: [{ message: text }] };
      }
      return { status: response.status, body: parsed };
    },
    ws(token = adminToken) {
      const client = new WsClient(server.url.replace(/^http/, 'ws') + '/graphql', token);
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(clients.map((client) => client.dispose()));
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return instance;
}

/**
 * Another instance of the same deployment as `first`: same database, server key and bootstrap
 * token, its own connections (and its own Redis clients, on `first`'s Redis unless told).
 */
export function startSibling(first: TestInstance, options: Omit<StartOptions, 'databaseUrl' | 'secretKey' | 'bootstrapToken'>): Promise<TestInstance> {
  return startTessera({ ...options, databaseUrl: first.databaseUrl, secretKey: first.secretKey, bootstrapToken: first.adminToken });
}

/**
 * The id of the newest event `token` (the admin by default) may see, or '0'. Subscribing with
 * `after:` it avoids the subscribe/mutate race: whatever happens next is delivered.
 */
export async function lastEventId(instance: TestInstance, token?: string): Promise<string> {
  let after: string | null = null;
  for (;;) {
    const response = await instance.raw(
      { query: 'query ($after: ID) { tokenEvents(first: 100, after: $after) { pageInfo { hasNextPage endCursor } } }', variables: { after } },
      token ? { authorization: `Bearer ${token}` } : {},
    );
    const page = (response.body.data as { tokenEvents: { pageInfo: { hasNextPage: boolean; endCursor: string | null } } }).tokenEvents.pageInfo;
    if (!page.hasNextPage) return page.endCursor ?? after ?? '0';
    after = page.endCursor;
  }
}

/** The data of a response, failing the test with the errors if there are any. */
export function dataOf<T>(response: GraphQLResponse<T>): T {
  if (response.errors?.length || !response.data) throw new Error(`GraphQL errors: ${JSON.stringify(response.errors)}`);
  return response.data;
}

/** The code of the first error of a response. */
export function errorCodeOf(response: GraphQLResponse<unknown>): string | undefined {
  return response.errors?.[0]?.extensions?.code;
}

/** A value pushed by a subscription, or how it ended. */
export type Delivery<T> = { kind: 'next'; value: T } | { kind: 'error'; errors: unknown } | { kind: 'complete' };

/** One subscription's deliveries, awaited one by one with a deadline. */
export class Subscription<T> {
  private readonly queue: Delivery<T>[] = [];
  private waiter?: (delivery: Delivery<T>) => void;
  readonly unsubscribe: () => void;

  constructor(subscribe: (sink: { next(value: T): void; error(error: unknown): void; complete(): void }) => () => void) {
    this.unsubscribe = subscribe({
      next: (value) => this.push({ kind: 'next', value }),
      error: (errors) => this.push({ kind: 'error', errors }),
      complete: () => this.push({ kind: 'complete' }),
    });
  }

  private push(delivery: Delivery<T>): void {
    if (this.waiter) {
      const waiter = this.waiter;
      this.waiter = undefined;
      waiter(delivery);
    } else {
      this.queue.push(delivery);
    }
  }

  /** The next delivery; fails if none arrives within `timeoutMs`. */
  next(timeoutMs = 5000): Promise<Delivery<T>> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error(`no delivery within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiter = (delivery) => {
        clearTimeout(timer);
        resolve(delivery);
      };
    });
  }

  /** The next value; fails on an error, completion or timeout. */
  async value(timeoutMs = 5000): Promise<T> {
    const delivery = await this.next(timeoutMs);
    if (delivery.kind !== 'next') throw new Error(`expected a value, got ${JSON.stringify(delivery)}`);
    return delivery.value;
  }

  /** Deliveries already received and not yet read. */
  get pending(): number {
    return this.queue.length;
  }
}

/** A real graphql-ws client. */
export class WsClient {
  readonly client: Client;
  readonly closes: { code: number; reason: string }[] = [];
  private closedWaiters: ((close: { code: number; reason: string }) => void)[] = [];

  constructor(url: string, token: string | null) {
    this.client = createClient({
      url,
      webSocketImpl: WebSocket,
      lazy: false,
      retryAttempts: 0,
      connectionParams: token ? { authorization: `Bearer ${token}` } : {},
      on: {
        closed: (event) => {
          const { code, reason } = event as { code: number; reason: string };
          this.closes.push({ code, reason });
          for (const waiter of this.closedWaiters.splice(0)) waiter({ code, reason });
        },
      },
      onNonLazyError: () => undefined,
    });
  }

  subscribe<TData, TVars>(document: TypedDocumentNode<TData, TVars>, variables?: TVars): Subscription<TData> {
    return new Subscription<TData>((sink) =>
      this.client.subscribe<TData>(
        { query: print(document), variables: variables as Record<string, unknown> | undefined },
        {
          next: (result) => (result.errors ? sink.error(result.errors) : sink.next(result.data as TData)),
          error: (error) => sink.error(error),
          complete: () => sink.complete(),
        },
      ),
    );
  }

  /** Resolves with the close code when the server closes the socket. */
  closed(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    const already = this.closes[0];
    if (already) return Promise.resolve(already);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`socket not closed within ${timeoutMs} ms`)), timeoutMs);
      this.closedWaiters.push((close) => {
        clearTimeout(timer);
        resolve(close);
      });
    });
  }

  async dispose(): Promise<void> {
    await this.client.dispose();
  }
}

/** Polls `check` until it returns a value that is not undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const IN_ORDER_HISTORY = /from\s+[`"]token_events[`"].*order by\s+[`"]t0[`"]\.[`"]id[`"]\s+asc/is;

/**
 * Whether a logged statement (`onQuery`) reads the event history in order outside the API: the
 * dispatcher's and the webhook fan-out's reads (the API's own filter by audience).
 */
export function isInOrderHistoryRead(sql: string): boolean {
  return IN_ORDER_HISTORY.test(sql) && !sql.includes('audience_rank');
}
