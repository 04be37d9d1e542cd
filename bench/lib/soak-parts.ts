/**
 * The soak's parts (bench/soak.ts runs them): settings from the command line, the load
 * generators, the probes of storage and the machine, the subscribers' client process and what the
 * servers log. Split out of soak.ts, which keeps the run itself.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { startPostgres, startRedis } from '../../test/harness/services';
import {
  CLIENT_CPU,
  QUICK,
  ROOT,
  fmt,
  main,
  mean,
  median,
  pinned,
  processCpuNs,
  quantile,
  sleep,
  startTessera,
  table,
  withDeadline,
  type TesseraProc,
} from './common';

export function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} needs a positive number`);
  return value;
}

export const MINUTES = option('minutes', QUICK ? 1 : 10);
export const DURATION_MS = Math.round(MINUTES * 60_000);
export const WARMUP_MS = Math.round(option('warmup', QUICK ? 15 : 60) * 1000);
export const SUBSCRIBERS = Math.round(option('subscribers', 5000));
export const VERIFY_RATE = option('verify-rate', 300);
export const MUTATION_RATE = option('mutation-rate', 2);
export const SAMPLE_MS = 5_000;
export const PRINT_MS = 30_000;
/** A 5-s window whose verify p99 or event-loop delay exceeds this is listed as a stall. */
export const STALL_MS = 500;
export const DRAIN_LIMIT_MS = 180_000;
/**
 * Memory holds (issue 21) when, on each instance, the RSS PEAK of the last quarter is at most this
 * times the peak of the second quarter — V8 grows its old generation to a ceiling and stays there;
 * a climb keeps going …
 */
export const FLAT_RATIO = 1.1;
/** … and the live heap (what is left after each full GC) grows at most this (MB per minute). */
export const FLAT_SLOPE_MB_PER_MIN = 1;

export const MB = 1024 * 1024;
export const now = (): number => Number(process.hrtime.bigint()) / 1e6; // ms, monotonic

// ---------------------------------------------------------------------------------------------
// GraphQL with a timeout (a hung request must not hang the soak).

export async function gql<T = Record<string, any>>(url: string, token: string, query: string, variables?: Record<string, unknown>): Promise<T> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  let body: { data?: T; errors?: unknown[] };
  try {
    body = JSON.parse(text) as { data?: T; errors?: unknown[] };
  } catch {
    throw new Error(`HTTP ${response.status}: ${text.slice(0, 200)}`);
  }
  if (body.errors?.length || !body.data) throw new Error(`GraphQL errors (HTTP ${response.status}): ${JSON.stringify(body.errors).slice(0, 300)}`);
  return body.data;
}

export const M = {
  create: 'mutation($input: CreatePersonalAccessTokenInput!) { createPersonalAccessToken(input: $input) { secret token { id } } }',
  revoke: 'mutation($id: ID!) { revokePersonalAccessToken(id: $id) { id status } }',
  delete: 'mutation($id: ID!) { deletePersonalAccessToken(id: $id) { id } }',
  publish: 'mutation($input: PublishWorkflowInput!) { publishWorkflow(input: $input) { workflow { id } token { id } } }',
  refresh: 'mutation($id: ID!) { refreshWorkflowToken(workflowId: $id) { id } }',
  regenerate: 'mutation($id: ID!) { regenerateWorkflowToken(workflowId: $id) { token { id } } }',
  createUser: 'mutation($input: CreateUserInput!) { createUser(input: $input) { user { id } } }',
  deactivate: 'mutation($id: ID!) { deactivateUser(id: $id) { id status } }',
  reactivate: 'mutation($id: ID!) { reactivateUser(id: $id) { id status } }',
  createWebhook: 'mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { webhookEndpoint { id } secret } }',
};
export const HISTORY = 'query($after: ID) { tokenEvents(first: 100, after: $after) { edges { cursor } pageInfo { hasNextPage endCursor } } }';

/** Every event id after `after` in the history, oldest first (paged, bounded). */
export async function historyIds(t: TesseraProc, after: string): Promise<number[]> {
  const ids: number[] = [];
  let cursor: string | null = after;
  for (let page = 0; page < 10_000; page += 1) {
    const data: { tokenEvents: { edges: { cursor: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } = await gql(
      t.url,
      t.adminToken,
      HISTORY,
      { after: cursor },
    );
    for (const edge of data.tokenEvents.edges) ids.push(Number(edge.cursor));
    if (!data.tokenEvents.pageInfo.hasNextPage) return ids;
    cursor = data.tokenEvents.pageInfo.endCursor;
  }
  throw new Error('history: too many pages');
}

// ---------------------------------------------------------------------------------------------
// Memory and CPU of a process.

export function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : NaN;
}

/**
 * CPU ticks of every process on the machine, to tell this benchmark's own processes (this one and
 * its descendants, and the PostgreSQL server whose backends serve `ownDatabase`) from others': the
 * machine is shared, and a stall with our servers idle is then explained by what else ran.
 */
export class MachineLoad {
  private last = new Map<number, number>();
  private lastAt = now();

  constructor(private readonly ownDatabase: string) {}

  private scan(): Map<number, { ppid: number; comm: string; ticks: number }> {
    const procs = new Map<number, { ppid: number; comm: string; ticks: number }>();
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        const close = stat.lastIndexOf(')');
        const comm = stat.slice(stat.indexOf('(') + 1, close);
        const fields = stat.slice(close + 2).split(' ');
        // After "pid (comm) ": state ppid … utime (11) stime (12).
        procs.set(Number(name), { ppid: Number(fields[1]), comm, ticks: Number(fields[11]) + Number(fields[12]) });
      } catch {
        // gone
      }
    }
    return procs;
  }

  private ours(procs: Map<number, { ppid: number; comm: string }>): Set<number> {
    const roots = new Set<number>([process.pid]);
    for (const [pid, p] of procs) {
      if (p.comm !== 'postgres') continue;
      try {
        if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(this.ownDatabase)) roots.add(p.ppid); // the postmaster
      } catch {
        // gone
      }
    }
    const mine = new Set<number>(roots);
    for (let changed = true; changed;) {
      changed = false;
      for (const [pid, p] of procs) {
        if (!mine.has(pid) && mine.has(p.ppid)) {
          mine.add(pid);
          changed = true;
        }
      }
    }
    return mine;
  }

  /** Since the previous call: others' CPU in % of one core, and the busiest other processes. */
  sample(): { othersPct: number; top: string[] } {
    const procs = this.scan();
    const mine = this.ours(procs);
    const seconds = (now() - this.lastAt) / 1000;
    this.lastAt = now();
    let others = 0;
    const deltas: { comm: string; pid: number; ticks: number }[] = [];
    const next = new Map<number, number>();
    for (const [pid, p] of procs) {
      next.set(pid, p.ticks);
      if (mine.has(pid)) continue;
      const delta = p.ticks - (this.last.get(pid) ?? p.ticks);
      if (delta <= 0) continue;
      others += delta;
      deltas.push({ comm: p.comm, pid, ticks: delta });
    }
    const first = this.last.size === 0;
    this.last = next;
    if (first) return { othersPct: NaN, top: [] };
    deltas.sort((x, y) => y.ticks - x.ticks);
    const pct = (ticks: number) => (ticks / 100 / seconds) * 100; // USER_HZ = 100
    return { othersPct: pct(others), top: deltas.slice(0, 3).map((d) => `${d.comm}[${d.pid}] ${fmt(pct(d.ticks), 0)}%`) };
  }
}

export interface Scrape {
  heapUsed: number;
  lagP99: number;
  lagMax: number;
  connections: number;
  listeners: number;
  /** Cumulative `/v1/verify` duration histogram as the server measures it (from the handler's start): le → count. */
  verifyBuckets: Map<number, number>;
}

export async function scrape(t: TesseraProc): Promise<Scrape> {
  const text = await (await fetch(`${t.url}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
  const metric = (name: string) => Number(new RegExp(`^${name} ([-0-9.e+]+)`, 'm').exec(text)?.[1] ?? NaN);
  const verifyBuckets = new Map<number, number>();
  for (const match of text.matchAll(/^tessera_http_request_duration_seconds_bucket\{le="([^"]+)",route="\/v1\/verify"\} (\d+)/gm))
    verifyBuckets.set(match[1] === '+Inf' ? Infinity : Number(match[1]), Number(match[2]));
  for (const match of text.matchAll(/^tessera_http_request_duration_seconds_bucket\{route="\/v1\/verify",le="([^"]+)"\} (\d+)/gm))
    verifyBuckets.set(match[1] === '+Inf' ? Infinity : Number(match[1]), Number(match[2]));
  return {
    verifyBuckets,
    heapUsed: metric('nodejs_heap_size_used_bytes'),
    lagP99: metric('nodejs_eventloop_lag_p99_seconds'),
    lagMax: metric('nodejs_eventloop_lag_max_seconds'),
    connections: metric('tessera_websocket_connections'),
    listeners: metric('tessera_subscriptions'),
  };
}

/** The upper bound (s) of the bucket holding the 99th percentile of the requests between two histogram readings. */
export function bucketP99(before: Map<number, number>, after: Map<number, number>): number {
  const les = [...after.keys()].sort((x, y) => x - y);
  const total = (after.get(Infinity) ?? 0) - (before.get(Infinity) ?? 0);
  if (total <= 0) return NaN;
  for (const le of les) if ((after.get(le) ?? 0) - (before.get(le) ?? 0) >= 0.99 * total) return le;
  return Infinity;
}

/** A bucket bound in ms; above the last finite bound (1 s) reads "> 1,000". */
export const bucketMs = (le: number): string => (le === Infinity ? '> 1,000' : fmt(le * 1000, 0));

/**
 * Round trips to PostgreSQL (`select 1`) and Redis (PING) from this process every 200 ms: if a
 * stall shows here too, the servers were waiting on storage, not on their own event loop.
 */
export class StorageProbe {
  pg: number[] = [];
  redis: number[] = [];
  private stopped = false;
  private readonly loops: Promise<void>[] = [];

  constructor(
    private readonly databaseUrl: string,
    private readonly redisUrl: string,
  ) {}

  start(): void {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Client } = require('pg') as {
      Client: new (c: { connectionString: string }) => {
        connect(): Promise<void>;
        query(q: string): Promise<unknown>;
        end(): Promise<void>;
        on(e: 'error', f: () => void): void;
      };
    };
    const pg = new Client({ connectionString: this.databaseUrl });
    pg.on('error', () => undefined);
    const redis = new Redis(this.redisUrl, { maxRetriesPerRequest: 1 });
    redis.on('error', () => undefined);
    const loop = async (into: () => number[], once: () => Promise<unknown>, close: () => Promise<unknown>) => {
      try {
        while (!this.stopped) {
          const sent = now();
          await once();
          into().push(now() - sent);
          await sleep(200);
        }
      } catch {
        into().push(Infinity);
      } finally {
        await close().catch(() => undefined);
      }
    };
    this.loops.push(
      pg.connect().then(() =>
        loop(
          () => this.pg,
          () => pg.query('select 1'),
          () => pg.end(),
        ),
      ),
    );
    this.loops.push(
      loop(
        () => this.redis,
        () => redis.ping(),
        async () => redis.disconnect(),
      ),
    );
  }

  /** The worst round trips since the previous call (ms). */
  take(): { pg: number; redis: number } {
    const out = { pg: Math.max(...this.pg), redis: Math.max(...this.redis) };
    this.pg = [];
    this.redis = [];
    return out;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await withDeadline('storage probe', 10_000, () => Promise.all(this.loops));
  }
}

/** Least-squares slope of y over x. */
export function slope(points: { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return NaN;
  const mx = points.reduce((a, p) => a + p.x, 0) / n;
  const my = points.reduce((a, p) => a + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den === 0 ? NaN : num / den;
}

// ---------------------------------------------------------------------------------------------
// Verify traffic: a paced open loop (not saturating), a few keep-alive connections per instance.

export interface VerifyCase {
  body: string;
  check: (answer: { valid: boolean; reason: string | null }) => boolean;
}

export class VerifyLoad {
  sent = 0;
  ok = 0;
  non2xx = 0;
  transport = 0;
  wrong = 0;
  /** Requests not sent because too many were in flight (the server fell behind). */
  shed = 0;
  latencies: number[] = [];
  window: number[] = [];
  samples: string[] = [];
  private inFlight = 0;
  private timer?: NodeJS.Timeout;
  private started = 0;
  private issued = 0;
  /**
   * Requests retried once because the server closed an idle keep-alive connection just as this
   * client reused it (ECONNRESET on a reused socket: the race Node's docs describe, not an answer).
   */
  keepAliveRetries = 0;
  // FIFO spreads requests over all 8 connections, so none sits idle past the server's keep-alive timeout.
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 8, scheduling: 'fifo' });

  constructor(
    private readonly target: TesseraProc,
    private readonly rate: number,
    private readonly cases: VerifyCase[],
  ) {}

  start(): void {
    this.started = now();
    this.timer = setInterval(() => this.tick(), 10);
  }

  private tick(): void {
    const due = Math.floor(((now() - this.started) / 1000) * this.rate) - this.issued;
    for (let i = 0; i < due; i += 1) {
      this.issued += 1;
      if (this.inFlight >= 512) {
        this.shed += 1;
        continue;
      }
      this.one(this.cases[this.issued % this.cases.length]);
    }
  }

  private note(problem: string): void {
    if (this.samples.length < 5) this.samples.push(problem);
  }

  private one(c: VerifyCase, retryOf?: number): void {
    const retry = retryOf !== undefined;
    if (!retry) {
      this.inFlight += 1;
      this.sent += 1;
    }
    const sent = retryOf ?? now();
    const req = request(
      {
        host: '127.0.0.1',
        port: this.target.port,
        path: '/v1/verify',
        method: 'POST',
        agent: this.agent,
        timeout: 30_000,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.target.adminToken}`, 'content-length': Buffer.byteLength(c.body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          this.inFlight -= 1;
          const ms = now() - sent;
          this.latencies.push(ms);
          this.window.push(ms);
          if (!res.statusCode || res.statusCode < 200 || res.statusCode > 299) {
            this.non2xx += 1;
            return this.note(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
          }
          try {
            if (c.check(JSON.parse(text) as { valid: boolean; reason: string | null })) this.ok += 1;
            else {
              this.wrong += 1;
              this.note(`wrong answer for ${c.body.slice(0, 40)}…: ${text.slice(0, 200)}`);
            }
          } catch {
            this.wrong += 1;
            this.note(`unparsable: ${text.slice(0, 200)}`);
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (!retry && req.reusedSocket && error.code === 'ECONNRESET') {
        this.keepAliveRetries += 1;
        return this.one(c, sent);
      }
      this.inFlight -= 1;
      this.transport += 1;
      this.note(`transport: ${error.message}`);
    });
    req.end(c.body);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    const deadline = Date.now() + 35_000;
    while (this.inFlight > 0 && Date.now() < deadline) await sleep(20);
    this.agent.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// Mutation traffic: a paced closed loop per instance (each step waits for the previous one).

export class MutationLoad {
  done: Record<string, number> = {};
  failed = 0;
  samples: string[] = [];
  latencies: number[] = [];
  window: number[] = [];
  private stopped = false;
  private loop?: Promise<void>;

  constructor(
    private readonly target: TesseraProc,
    private readonly label: string,
    private readonly rate: number,
    private readonly workflowId: string,
    /** A person deactivated and reactivated every third cycle (people operations in the mix). */
    private readonly personId?: string,
  ) {}

  start(): void {
    this.loop = this.run();
  }

  private async step(name: string, query: string, variables: Record<string, unknown>): Promise<Record<string, any> | null> {
    const sent = now();
    try {
      const data = await gql(this.target.url, this.target.adminToken, query, variables);
      const ms = now() - sent;
      this.latencies.push(ms);
      this.window.push(ms);
      this.done[name] = (this.done[name] ?? 0) + 1;
      return data;
    } catch (error) {
      this.failed += 1;
      if (this.samples.length < 5) this.samples.push(`${name} on ${this.label}: ${(error as Error).message}`);
      return null;
    }
  }

  private async run(): Promise<void> {
    const interval = 1000 / this.rate;
    let next = now();
    let n = 0;
    const pace = async () => {
      next += interval;
      // A slow step delays the next one; it never causes a burst to catch up.
      if (next < now()) next = now();
      else await sleep(next - now());
    };
    while (!this.stopped) {
      n += 1;
      const created = await this.step('createPersonalAccessToken', M.create, { input: { name: `soak ${this.label} ${n}`, duration: 'DAYS_90' } });
      await pace();
      const id = (created?.createPersonalAccessToken as { token: { id: string } } | undefined)?.token.id;
      if (id && !this.stopped) {
        await this.step('revokePersonalAccessToken', M.revoke, { id });
        await pace();
        // Deleting needs the revocation; do it even when stopping, so no PAT is left half-way.
        await this.step('deletePersonalAccessToken', M.delete, { id });
        await pace();
      }
      if (this.stopped) break;
      if (n % 2 === 0) await this.step('regenerateWorkflowToken', M.regenerate, { id: this.workflowId });
      else await this.step('refreshWorkflowToken', M.refresh, { id: this.workflowId });
      await pace();
      if (this.personId && n % 3 === 0 && !this.stopped) {
        // Reactivate even when stopping: no person is left deactivated half-way.
        await this.step('deactivateUser', M.deactivate, { id: this.personId });
        await pace();
        await this.step('reactivateUser', M.reactivate, { id: this.personId });
        await pace();
      }
    }
  }

  get total(): number {
    return Object.values(this.done).reduce((a, b) => a + b, 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await withDeadline(`stopping mutations on ${this.label}`, 120_000, () => this.loop ?? Promise.resolve());
  }
}

// ---------------------------------------------------------------------------------------------
// The subscriber process.

export class Clients {
  private readonly inbox: unknown[] = [];
  private waiter?: (message: unknown) => void;
  private gone?: string;
  constructor(readonly child: ChildProcess) {
    child.on('message', (message) => this.deliver(message));
    // A dead client process fails the pending call instead of crashing this one.
    child.on('error', (error) => {
      this.gone = `client process: ${error.message}`;
      this.deliver({ error: this.gone });
    });
    child.on('exit', (code, signal) => {
      this.gone = `client process exited (${code ?? signal})`;
      this.deliver({ error: this.gone });
    });
  }
  private deliver(message: unknown): void {
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w(message);
    } else this.inbox.push(message);
  }
  private next<T>(what: string, ms: number): Promise<T> {
    if (this.inbox.length) return Promise.resolve(this.inbox.shift() as T);
    return withDeadline(what, ms, () => new Promise<T>((resolve) => (this.waiter = resolve as (m: unknown) => void))).then((m) => {
      if ((m as { error?: string }).error) throw new Error(`clients: ${(m as { error: string }).error}`);
      return m;
    });
  }
  /** One command, one answer (commands are never overlapped). */
  async call<T>(message: unknown, what: string, ms = 120_000): Promise<T> {
    if (this.gone) throw new Error(this.gone);
    this.child.send(message as never);
    return this.next<T>(what, ms);
  }
}

export interface ClientStatus {
  sockets: number;
  open: number;
  received: number;
  minLast: number;
  maxLast: number;
  withProblems: number;
  unparsable: number;
  rss: number;
}

export interface ClientReport {
  sockets: number;
  complete: number;
  byTarget: { target: number; sockets: number; complete: number }[];
  failures: string[];
  missing: number;
  duplicates: number;
  unexpected: number;
  unexpectedSample: number[];
  backwards: number;
  errors: number;
  completes: number;
  closed: number;
  unparsable: number;
  types: Record<string, number>;
  lagFirst: { occurred: number; ms: number }[];
  lagLast: { occurred: number; ms: number }[];
  rss: number;
}

export interface ServerLog {
  warn: number;
  error: number;
  samples: string[];
  /** Every full (mark-compact) GC from --trace-gc: when (this process's monotonic ms) and the heap after it (MB): the live set. */
  fullGcs: { at: number; afterMb: number }[];
}

/** Server log lines at warn (40) and error (50+) from pino on stdout, and --trace-gc's mark-compact lines. */
export function watchLogs(t: TesseraProc): ServerLog {
  const logs: ServerLog = { warn: 0, error: 0, samples: [], fullGcs: [] };
  let rest = '';
  t.child.stdout?.on('data', (chunk: Buffer) => {
    const lines = (rest + chunk.toString()).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      const gc = /Mark-Compact[^\d]*[\d.]+ \([\d.]+\) -> ([\d.]+) \([\d.]+\) MB/.exec(line);
      if (gc) {
        logs.fullGcs.push({ at: now(), afterMb: Number(gc[1]) });
        continue;
      }
      const level = Number(/"level":(\d+)/.exec(line)?.[1] ?? 0);
      if (level >= 50) logs.error += 1;
      else if (level >= 40) logs.warn += 1;
      else continue;
      if (logs.samples.length < 5) logs.samples.push(line.slice(0, 300));
    }
  });
  return logs;
}

export async function waitFor(what: string, check: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: timed out after ${ms} ms`);
    await sleep(100);
  }
}

export interface Sample {
  t: number; // ms since the measured window began (negative: warm-up)
  rss: number[];
  heap: number[];
  lagMax: number[]; // worst event-loop delay over the last 5 s (prom-client resets it per scrape), s
  cpu: number[]; // ns, cumulative, per instance
  clientRss: number;
  clientCpu: number;
  received: number;
  verifies: number;
  mutations: number;
  /** Verify and mutation round trips completed since the previous sample, ms. */
  verifyMs: number[];
  mutationMs: number[];
  /** Other processes on the machine since the previous sample (% of one core), the busiest ones. */
  othersPct: number;
  othersTop: string[];
  /** This process's own worst event-loop delay since the previous sample (ms): the load generator's stalls. */
  benchLagMs: number;
  /** Worst PostgreSQL / Redis round trip from this process since the previous sample (ms). */
  pgMs: number;
  redisMs: number;
  verifyBuckets: Map<number, number>[];
}
