/**
 * soak: two Tessera instances (A, B) on one PostgreSQL and one Redis (the test harness's private
 * servers), 5,000 `tokenEvents` graphql-ws subscribers split across them (a separate client
 * process on the client core), and for the whole run steady verify traffic (`POST /v1/verify` on
 * both, a valid PAT, a revoked one and garbage) plus paced mutations (create / revoke / delete a
 * PAT, refresh / regenerate a workflow token; alternately on A and B). The baseline is each
 * instance's own state after the warm-up with every subscriber connected: RSS (from /proc) and V8
 * heap used (prom-client's `nodejs_heap_size_used_bytes` on /metrics) are sampled every 5 s,
 * printed every 30 s, and compared end/start, with a least-squares RSS slope over the second half;
 * the servers run with --trace-gc, so the heap left after each full GC (the live set) is known too.
 * Memory is flat when, per instance, the RSS floor of the last quarter is ≤ 1.2× that of the first
 * and the live set's second-half slope is ≤ 1 MB/min (RSS itself swings with the GC sawtooth; see
 * bench/README.md). At the end the traffic stops, the subscribers drain, and every socket is checked
 * against the event history: exactly the events emitted since the subscribers' `after` id, in
 * order, once. 5-s windows with a stall are listed with what else ran on the machine.
 *
 *   node dist-bench/bench/soak.js [--quick] [--minutes N] [--subscribers N] [--verify-rate R]
 *                                 [--mutation-rate R] [--warmup S]
 *
 * Defaults: 10 minutes (--quick: 1), 5,000 subscribers, 300 verifies/s and 2 mutations/s in total,
 * 60 s warm-up (--quick: 15 s). Not part of run-all (it runs past run-all's per-benchmark limit).
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { startPostgres, startRedis } from '../test/harness/services';
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
} from './lib/common';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} needs a positive number`);
  return value;
}

const MINUTES = option('minutes', QUICK ? 1 : 10);
const DURATION_MS = Math.round(MINUTES * 60_000);
const WARMUP_MS = Math.round(option('warmup', QUICK ? 15 : 60) * 1000);
const SUBSCRIBERS = Math.round(option('subscribers', 5000));
const VERIFY_RATE = option('verify-rate', 300);
const MUTATION_RATE = option('mutation-rate', 2);
const SAMPLE_MS = 5_000;
const PRINT_MS = 30_000;
/** A 5-s window whose verify p99 or event-loop delay exceeds this is listed as a stall. */
const STALL_MS = 500;
const DRAIN_LIMIT_MS = 180_000;
/** Memory is flat when, on each instance, RSS end/start ≤ this … */
const FLAT_RATIO = 1.2;
/** … and the least-squares RSS slope over the second half is at most this (MB per minute). */
const FLAT_SLOPE_MB_PER_MIN = 1;

const MB = 1024 * 1024;
const now = (): number => Number(process.hrtime.bigint()) / 1e6; // ms, monotonic

// ---------------------------------------------------------------------------------------------
// GraphQL with a timeout (a hung request must not hang the soak).

async function gql<T = Record<string, any>>(url: string, token: string, query: string, variables?: Record<string, unknown>): Promise<T> {
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

const M = {
  create: 'mutation($input: CreatePersonalAccessTokenInput!) { createPersonalAccessToken(input: $input) { secret token { id } } }',
  revoke: 'mutation($id: ID!) { revokePersonalAccessToken(id: $id) { id status } }',
  delete: 'mutation($id: ID!) { deletePersonalAccessToken(id: $id) { id } }',
  publish: 'mutation($input: PublishWorkflowInput!) { publishWorkflow(input: $input) { workflow { id } token { id } } }',
  refresh: 'mutation($id: ID!) { refreshWorkflowToken(workflowId: $id) { id } }',
  regenerate: 'mutation($id: ID!) { regenerateWorkflowToken(workflowId: $id) { token { id } } }',
};
const HISTORY = 'query($after: ID) { tokenEvents(first: 100, after: $after) { edges { cursor } pageInfo { hasNextPage endCursor } } }';

/** Every event id after `after` in the history, oldest first (paged, bounded). */
async function historyIds(t: TesseraProc, after: string): Promise<number[]> {
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

function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : NaN;
}

/**
 * CPU ticks of every process on the machine, to tell this benchmark's own processes (this one and
 * its descendants, and the PostgreSQL server whose backends serve `ownDatabase`) from others': the
 * machine is shared, and a stall with our servers idle is then explained by what else ran.
 */
class MachineLoad {
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

interface Scrape {
  heapUsed: number;
  lagP99: number;
  lagMax: number;
  connections: number;
  listeners: number;
  /** Cumulative `/v1/verify` duration histogram as the server measures it (from the handler's start): le → count. */
  verifyBuckets: Map<number, number>;
}

async function scrape(t: TesseraProc): Promise<Scrape> {
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
function bucketP99(before: Map<number, number>, after: Map<number, number>): number {
  const les = [...after.keys()].sort((x, y) => x - y);
  const total = (after.get(Infinity) ?? 0) - (before.get(Infinity) ?? 0);
  if (total <= 0) return NaN;
  for (const le of les) if ((after.get(le) ?? 0) - (before.get(le) ?? 0) >= 0.99 * total) return le;
  return Infinity;
}

/** A bucket bound in ms; above the last finite bound (1 s) reads "> 1,000". */
const bucketMs = (le: number): string => (le === Infinity ? '> 1,000' : fmt(le * 1000, 0));

/**
 * Round trips to PostgreSQL (`select 1`) and Redis (PING) from this process every 200 ms: if a
 * stall shows here too, the servers were waiting on storage, not on their own event loop.
 */
class StorageProbe {
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
function slope(points: { x: number; y: number }[]): number {
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

interface VerifyCase {
  body: string;
  check: (answer: { valid: boolean; reason: string | null }) => boolean;
}

class VerifyLoad {
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

class MutationLoad {
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

class Clients {
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

interface ClientStatus {
  sockets: number;
  open: number;
  received: number;
  minLast: number;
  maxLast: number;
  withProblems: number;
  unparsable: number;
  rss: number;
}

interface ClientReport {
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

interface ServerLog {
  warn: number;
  error: number;
  samples: string[];
  /** Every full (mark-compact) GC from --trace-gc: when (this process's monotonic ms) and the heap after it (MB): the live set. */
  fullGcs: { at: number; afterMb: number }[];
}

/** Server log lines at warn (40) and error (50+) from pino on stdout, and --trace-gc's mark-compact lines. */
function watchLogs(t: TesseraProc): ServerLog {
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

async function waitFor(what: string, check: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: timed out after ${ms} ms`);
    await sleep(100);
  }
}

interface Sample {
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

async function run(): Promise<void> {
  console.log(
    `\n## soak — A and B on one PostgreSQL + one Redis, ${SUBSCRIBERS.toLocaleString('en-US')} tokenEvents subscribers split across them; ${fmt(VERIFY_RATE, 0)} verifies/s and ${fmt(MUTATION_RATE, 0)} mutations/s in total for ${fmt(MINUTES, 1)} min after a ${fmt(WARMUP_MS / 1000, 0)} s warm-up`,
  );
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const built = statSync(join(ROOT, 'dist/src/main.js')).mtimeMs;
    const newest = (dir: string): number =>
      Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs)));
    const stale = newest(join(ROOT, 'src')) > built;
    console.log(
      `source: ${head}${dirty ? ` + uncommitted changes in src/ (${dirty.split('\n').length} files)` : ''}; dist/ built ${new Date(built).toISOString()}${stale ? ' — OLDER than src/: run npm run bench:build' : ''}; now ${new Date().toISOString()}, node ${process.version}`,
    );
  } catch {
    // not a git checkout
  }
  const [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
  const instances: TesseraProc[] = [];
  let clients: Clients | undefined;
  let probe: StorageProbe | undefined;
  try {
    const databaseUrl = await postgres.createDatabase('bench_soak');
    const shared = {
      databaseUrl,
      redisUrl: redis.url,
      secretKey: 'cd'.repeat(32),
      adminToken: `bench-admin-${'s'.repeat(40)}`,
      // One admin token holds every subscriber: lift the per-token connection cap.
      env: { TESSERA_MAX_CONNECTIONS_PER_TOKEN: '100000' },
      // One line per full GC with the heap left after it (the live set); scavenges are not printed.
      nodeArgs: ['--trace-gc', '--trace-gc-ignore-scavenger'],
    };
    instances.push(await startTessera(shared)); // A migrates the schema first
    instances.push(await startTessera(shared));
    const [a, b] = instances;
    const names = ['A', 'B'];
    const logs = instances.map(watchLogs);

    // Fixtures: a valid PAT and a revoked one for the verify mix; a COMPONENT workflow per instance.
    const valid = (await gql(a.url, a.adminToken, M.create, { input: { name: 'soak valid', duration: 'DAYS_90' } })).createPersonalAccessToken as {
      secret: string;
      token: { id: string };
    };
    const revoked = (await gql(a.url, a.adminToken, M.create, { input: { name: 'soak revoked', duration: 'DAYS_90' } })).createPersonalAccessToken as {
      secret: string;
      token: { id: string };
    };
    await gql(a.url, a.adminToken, M.revoke, { id: revoked.token.id });
    const workflows: string[] = [];
    for (const [i, t] of instances.entries()) {
      const data = await gql(t.url, t.adminToken, M.publish, { input: { name: `soak workflow ${names[i]}`, startEvent: 'COMPONENT' } });
      workflows.push((data.publishWorkflow as { workflow: { id: string } }).workflow.id);
    }
    const cases: VerifyCase[] = [
      { body: JSON.stringify({ token: valid.secret }), check: (r) => r.valid === true },
      { body: JSON.stringify({ token: revoked.secret }), check: (r) => r.valid === false && r.reason === 'REVOKED' },
      { body: JSON.stringify({ token: `garbage-${'x'.repeat(40)}` }), check: (r) => r.valid === false },
    ];

    // Subscribers replay from here: nothing emitted after this id can be missed by a race.
    const before = await historyIds(a, '0');
    const baseline = String(before.length ? before[before.length - 1] : 0);
    const child = pinned(CLIENT_CPU, [process.execPath, join(ROOT, 'dist-bench/bench/soak-clients.js')], {}, ['ignore', 'inherit', 'inherit', 'ipc']);
    clients = new Clients(child);
    const clientPid = child.pid!;
    const wsUrls = instances.map((t) => t.url.replace(/^http/, 'ws') + '/graphql');
    const connected = await clients.call<{ connected: number; ms: number }>(
      { cmd: 'connect', urls: wsUrls, total: SUBSCRIBERS, token: a.adminToken, after: baseline },
      'connect subscribers',
      300_000,
    );
    const perInstance = [Math.ceil(SUBSCRIBERS / 2), Math.floor(SUBSCRIBERS / 2)];
    await waitFor('listeners registered', async () => (await Promise.all(instances.map(scrape))).every((s, i) => s.listeners >= perInstance[i]), 120_000);
    console.log(
      `${connected.connected} subscribers connected in ${fmt(connected.ms / 1000, 1)} s (A ${perInstance[0]}, B ${perInstance[1]}), replaying from event id ${baseline}; every listener registered (/metrics)`,
    );

    // Traffic.
    const verifies = instances.map((t) => new VerifyLoad(t, VERIFY_RATE / 2, cases));
    const mutations = instances.map((t, i) => new MutationLoad(t, names[i], MUTATION_RATE / 2, workflows[i]));
    verifies.forEach((v) => v.start());
    mutations.forEach((m) => m.start());
    const verifySent = () => verifies.reduce((x, v) => x + v.sent, 0);
    const mutationsDone = () => mutations.reduce((x, m) => x + m.total, 0);

    const samples: Sample[] = [];
    const machine = new MachineLoad('bench_soak');
    probe = new StorageProbe(databaseUrl, redis.url);
    probe.start();
    machine.sample();
    const benchLag = monitorEventLoopDelay({ resolution: 10 });
    benchLag.enable();
    const take = async (t: number): Promise<Sample> => {
      const scrapes = await Promise.all(instances.map(scrape));
      const status = await clients!.call<ClientStatus>({ cmd: 'status' }, 'client status', 30_000);
      const others = machine.sample();
      const verifyMs = verifies.flatMap((v) => v.window);
      const mutationMs = mutations.flatMap((m) => m.window);
      verifies.forEach((v) => (v.window = []));
      mutations.forEach((m) => (m.window = []));
      const benchLagMs = benchLag.max / 1e6;
      benchLag.reset();
      const storage = probe!.take();
      const sample: Sample = {
        t,
        rss: instances.map((p) => rssBytes(p.pid)),
        heap: scrapes.map((s) => s.heapUsed),
        lagMax: scrapes.map((s) => s.lagMax),
        verifyMs,
        mutationMs,
        othersPct: others.othersPct,
        othersTop: others.top,
        benchLagMs,
        pgMs: storage.pg,
        redisMs: storage.redis,
        verifyBuckets: scrapes.map((x) => x.verifyBuckets),
        cpu: instances.map((p) => processCpuNs(p.pid)),
        clientRss: status.rss,
        clientCpu: processCpuNs(clientPid),
        received: status.received,
        verifies: verifySent(),
        mutations: mutationsDone(),
      };
      for (const [i, s] of scrapes.entries()) {
        if (s.connections < perInstance[i] || s.listeners < perInstance[i])
          console.log(`note: ${names[i]} shows ${s.connections} connections / ${s.listeners} listeners at t=${fmt(t / 1000, 0)} s`);
      }
      return sample;
    };

    await sleep(WARMUP_MS);
    console.log(`warm-up done (${fmt(WARMUP_MS / 1000, 0)} s): ${verifySent()} verifies, ${mutationsDone()} mutations so far`);

    // The measured window.
    const rows: (string | number)[][] = [];
    const origin = now();
    let last = await take(0);
    samples.push(last);
    let printed = last;
    /** The heap after the last full GC before `t` (the live set), MB. */
    const live = (i: number, t: number): string => {
      const before = logs[i].fullGcs.filter((g) => g.at - origin <= t);
      return before.length ? fmt(before[before.length - 1].afterMb, 0) : '–';
    };
    const row = (s: Sample, prev: Sample, label: string) => {
      const dt = (s.t - prev.t) / 1000 || NaN;
      const span = samples.filter((x) => x.t > prev.t && x.t <= s.t);
      const window = span.length ? span : [s];
      const vWindow = window.flatMap((x) => x.verifyMs);
      const mWindow = window.flatMap((x) => x.mutationMs);
      const lagMax = (i: number) => Math.max(...window.map((x) => x.lagMax[i])) * 1000;
      rows.push([
        label,
        fmt(s.rss[0] / MB, 1),
        `${fmt(s.heap[0] / MB, 0)} / ${live(0, s.t)}`,
        fmt(s.rss[1] / MB, 1),
        `${fmt(s.heap[1] / MB, 0)} / ${live(1, s.t)}`,
        fmt(s.clientRss / MB, 1),
        Number.isFinite(dt) ? `${fmt(((s.cpu[0] - prev.cpu[0]) / 1e9 / dt) * 100, 0)}% / ${fmt(((s.cpu[1] - prev.cpu[1]) / 1e9 / dt) * 100, 0)}%` : '–',
        Number.isFinite(dt) ? `${fmt(((s.clientCpu - prev.clientCpu) / 1e9 / dt) * 100, 0)}%` : '–',
        `${fmt(lagMax(0), 0)} / ${fmt(lagMax(1), 0)}`,
        Number.isFinite(dt) ? fmt((s.verifies - prev.verifies) / dt, 0) : '–',
        vWindow.length ? fmt(quantile(vWindow, 0.99), 1) : '–',
        Number.isFinite(dt) ? fmt((s.mutations - prev.mutations) / dt, 1) : '–',
        mWindow.length ? fmt(quantile(mWindow, 0.99), 0) : '–',
        Number.isFinite(dt) ? fmt((s.received - prev.received) / dt, 0) : '–',
        `${fmt(mean(window.map((x) => x.othersPct)), 0)}%`,
      ]);
    };
    row(last, last, 'start');
    for (let k = 1; k * SAMPLE_MS <= DURATION_MS; k += 1) {
      const due = origin + k * SAMPLE_MS;
      if (due > now()) await sleep(due - now());
      last = await take(now() - origin);
      samples.push(last);
      if (k % Math.round(PRINT_MS / SAMPLE_MS) === 0 || (k + 1) * SAMPLE_MS > DURATION_MS) {
        row(last, printed, (k + 1) * SAMPLE_MS > DURATION_MS ? `end ${fmt(last.t / 1000, 0)} s` : `${fmt(last.t / 1000, 0)} s`);
        printed = last;
      }
    }
    const start = samples[0];
    const end = samples[samples.length - 1];
    const measuredS = (end.t - start.t) / 1000;

    // Stop the traffic, then wait for every subscriber to reach the last event of the history.
    await Promise.all([...verifies.map((v) => v.stop()), ...mutations.map((m) => m.stop())]);
    const stopped = now();
    let ids = await historyIds(a, baseline);
    let drained = false;
    for (const deadline = Date.now() + DRAIN_LIMIT_MS; Date.now() < deadline;) {
      const target = ids.length ? ids[ids.length - 1] : Number(baseline);
      const status = await clients.call<ClientStatus>({ cmd: 'status' }, 'client status', 30_000);
      if (status.minLast >= target && status.received >= ids.length * status.sockets) {
        // Anything emitted meanwhile (the expiry sweep)? Then wait for that too.
        const again = await historyIds(a, baseline);
        if (again.length === ids.length) {
          drained = true;
          break;
        }
        ids = again;
        continue;
      }
      if (status.open < status.sockets && status.minLast < target) {
        // A closed socket will never catch up; do not wait the full limit for it.
        const open = status.open;
        await sleep(2_000);
        const later = await clients.call<ClientStatus>({ cmd: 'status' }, 'client status', 30_000);
        if (later.open === open && later.received === status.received) break;
      }
      await sleep(250);
    }
    const drainMs = now() - stopped;
    const afterDrain = await take(now() - origin);
    const report = await clients.call<ClientReport>({ cmd: 'report', ids }, 'client report', 120_000);
    const historyB = await historyIds(b, baseline);

    table(
      [
        't',
        'A RSS MB',
        'A heap used / live MB',
        'B RSS MB',
        'B heap used / live MB',
        'clients RSS MB',
        'CPU A / B',
        'CPU clients',
        'loop lag max ms A / B',
        'verify/s',
        'verify p99 ms',
        'mut/s',
        'mut p99 ms',
        'deliveries/s',
        'other procs CPU',
      ],
      rows,
    );
    // 5-second windows where something stalled, with what else ran on the machine then.
    const stalls = samples.filter(
      (x) => x.t > 0 && (quantile(x.verifyMs, 0.99) > STALL_MS || Math.max(...x.lagMax) * 1000 > STALL_MS || x.benchLagMs > STALL_MS),
    );
    if (stalls.length) {
      console.log(
        `\n5-s windows with a stall (verify p99, a server's event-loop delay or this load generator's own delay > ${STALL_MS} ms): ${stalls.length} of ${samples.length - 1}`,
      );
      table(
        [
          't',
          'verify p99 ms',
          'verify max ms',
          'server-side verify p99 ≤ ms A / B',
          'loop lag max ms A / B',
          'load generator lag ms',
          'PG / Redis max ms',
          'CPU A / B',
          'other procs CPU',
          'busiest other processes',
        ],
        stalls.slice(0, 30).map((x) => {
          const prev = samples[samples.indexOf(x) - 1];
          const dt = (x.t - prev.t) / 1000;
          return [
            `${fmt(prev.t / 1000, 0)}–${fmt(x.t / 1000, 0)} s`,
            fmt(quantile(x.verifyMs, 0.99), 0),
            fmt(Math.max(...x.verifyMs), 0),
            [0, 1].map((i) => bucketMs(bucketP99(prev.verifyBuckets[i], x.verifyBuckets[i]))).join(' / '),
            `${fmt(x.lagMax[0] * 1000, 0)} / ${fmt(x.lagMax[1] * 1000, 0)}`,
            fmt(x.benchLagMs, 0),
            `${fmt(x.pgMs, 1)} / ${fmt(x.redisMs, 1)}`,
            `${fmt(((x.cpu[0] - prev.cpu[0]) / 1e9 / dt) * 100, 0)}% / ${fmt(((x.cpu[1] - prev.cpu[1]) / 1e9 / dt) * 100, 0)}%`,
            `${fmt(x.othersPct, 0)}%`,
            x.othersTop.join(', '),
          ];
        }),
      );
    }
    console.log(
      `after the drain (${fmt(drainMs / 1000, 1)} s after the traffic stopped): RSS A ${fmt(afterDrain.rss[0] / MB, 1)} MB, B ${fmt(afterDrain.rss[1] / MB, 1)} MB; heap A ${fmt(afterDrain.heap[0] / MB, 1)} MB, B ${fmt(afterDrain.heap[1] / MB, 1)} MB; clients ${fmt(afterDrain.clientRss / MB, 1)} MB`,
    );

    // Memory: end/start and the second half's slope, per instance.
    const secondHalf = samples.filter((s) => s.t >= DURATION_MS / 2);
    // RSS swings with V8's GC sawtooth (±100 MB here, a full GC about every minute), so single
    // readings and their slope say little. The verdict compares RSS FLOORS (the lowest reading) of
    // the first and last quarter of the window (each spans a few GC cycles), and takes the slope of
    // the live heap (the heap left after each full GC) over the second half (over the whole window
    // when the second half has fewer than 3 full GCs).
    const edge = DURATION_MS / 4;
    const firstQuarter = samples.filter((s) => s.t <= edge);
    const lastQuarter = samples.filter((s) => s.t >= end.t - edge);
    const memory = instances.map((_, i) => {
      const rssSlope = slope(secondHalf.map((s) => ({ x: s.t / 60_000, y: s.rss[i] / MB })));
      const heapSlope = slope(secondHalf.map((s) => ({ x: s.t / 60_000, y: s.heap[i] / MB })));
      const rssPointRatio = end.rss[i] / start.rss[i];
      const rssFirst = Math.min(...firstQuarter.map((s) => s.rss[i]));
      const rssLast = Math.min(...lastQuarter.map((s) => s.rss[i]));
      const rssRatio = rssLast / rssFirst;
      const peakFirst = Math.max(...firstQuarter.map((s) => s.rss[i]));
      const peakLast = Math.max(...lastQuarter.map((s) => s.rss[i]));
      const heapRatio = end.heap[i] / start.heap[i];
      const gcs = logs[i].fullGcs.map((g) => ({ t: g.at - origin, mb: g.afterMb })).filter((g) => g.t >= 0 && g.t <= end.t);
      const gcsSecond = gcs.filter((g) => g.t >= DURATION_MS / 2);
      const slopeOver = gcsSecond.length >= 3 ? gcsSecond : gcs.length >= 3 ? gcs : [];
      const liveSlope = slope(slopeOver.map((g) => ({ x: g.t / 60_000, y: g.mb })));
      const slopeBasis =
        slopeOver.length === 0
          ? 'fewer than 3 full GCs: no slope'
          : slopeOver === gcsSecond
            ? `live heap, second half, ${slopeOver.length} full GCs`
            : `live heap, whole window, ${slopeOver.length} full GCs`;
      const verdictSlope = liveSlope;
      const flat = rssRatio <= FLAT_RATIO && (slopeOver.length === 0 || verdictSlope <= FLAT_SLOPE_MB_PER_MIN);
      return {
        rssRatio,
        rssPointRatio,
        rssFirst,
        rssLast,
        peakFirst,
        peakLast,
        heapRatio,
        rssSlope,
        heapSlope,
        gcs,
        gcsSecond: gcsSecond.length,
        liveSlope,
        slopeBasis,
        verdictSlope,
        flat,
        rssMax: Math.max(...samples.map((s) => s.rss[i])),
        rssMin: Math.min(...samples.map((s) => s.rss[i])),
      };
    });
    const clientSlope = slope(secondHalf.map((s) => ({ x: s.t / 60_000, y: s.clientRss / MB })));

    // Traffic totals.
    const v = { sent: 0, ok: 0, non2xx: 0, transport: 0, wrong: 0, shed: 0 };
    for (const x of verifies) for (const k of Object.keys(v) as (keyof typeof v)[]) v[k] += x[k];
    const vLat = verifies.flatMap((x) => x.latencies);
    const keepAliveRetries = verifies.reduce((x, y) => x + y.keepAliveRetries, 0);
    const byMutation: Record<string, number> = {};
    for (const m of mutations) for (const [k, n] of Object.entries(m.done)) byMutation[k] = (byMutation[k] ?? 0) + n;
    const mLat = mutations.flatMap((m) => m.latencies);
    const mFailed = mutations.reduce((x, m) => x + m.failed, 0);
    const problemsNoted = [...verifies.flatMap((x) => x.samples), ...mutations.flatMap((m) => m.samples)];
    const logErrors = logs.reduce((x, l) => x + l.error, 0);
    const logWarns = logs.reduce((x, l) => x + l.warn, 0);

    // Delivery lag by time: first half vs second half of the events (by when they occurred).
    const lagOf = (list: { occurred: number; ms: number }[], fromFraction: number, toFraction: number) => {
      const sorted = [...list].sort((p, q) => p.occurred - q.occurred);
      return sorted.slice(Math.floor(sorted.length * fromFraction), Math.floor(sorted.length * toFraction)).map((p) => p.ms);
    };
    const lastLagAll = report.lagLast.map((p) => p.ms);
    const lastLagEarly = lagOf(report.lagLast, 0, 0.5);
    const lastLagLate = lagOf(report.lagLast, 0.5, 1);

    const expectedDeliveries = ids.length * report.sockets;
    const noErrors =
      v.non2xx === 0 &&
      v.transport === 0 &&
      v.wrong === 0 &&
      mFailed === 0 &&
      report.errors === 0 &&
      report.completes === 0 &&
      report.closed === 0 &&
      report.unparsable === 0 &&
      logErrors === 0;
    const delivered =
      drained &&
      report.complete === SUBSCRIBERS &&
      report.sockets === SUBSCRIBERS &&
      report.missing === 0 &&
      report.duplicates === 0 &&
      report.unexpected === 0 &&
      report.backwards === 0;
    const flat = memory.every((m) => m.flat);

    console.log('\nsummary:');
    table(
      ['measure', 'value'],
      [
        ['measured window (after warm-up)', `${fmt(measuredS / 60, 1)} min (+ ${fmt(WARMUP_MS / 1000, 0)} s warm-up, traffic and checks cover both)`],
        [
          'subscribers (tokenEvents, graphql-ws)',
          `${report.sockets.toLocaleString('en-US')} (${report.byTarget.map((t) => `${names[t.target]} ${t.sockets}`).join(', ')})`,
        ],
        [
          'mutations done / failed',
          `${mutationsDone().toLocaleString('en-US')} / ${mFailed} (${Object.entries(byMutation)
            .map(([k, n]) => `${k.replace(/PersonalAccessToken|WorkflowToken/, '')} ${n}`)
            .join(', ')}); p50 ${fmt(median(mLat), 1)} ms, p99 ${fmt(quantile(mLat, 0.99), 1)} ms`,
        ],
        [
          'verifies sent / non-2xx / transport errors / wrong answers / shed',
          `${v.sent.toLocaleString('en-US')} / ${v.non2xx} / ${v.transport} / ${v.wrong} / ${v.shed}; p50 ${fmt(median(vLat), 2)} ms, p99 ${fmt(quantile(vLat, 0.99), 1)} ms${keepAliveRetries ? `; ${keepAliveRetries} retried after a keep-alive reset` : ''}`,
        ],
        [
          "events emitted (history, since the subscribers' after id)",
          `${ids.length.toLocaleString('en-US')} (${Object.entries(report.types)
            .map(([k, n]) => `${k} ${n}`)
            .join(
              ', ',
            )}); B's history agrees: ${historyB.length === ids.length && historyB.every((id, i) => id === ids[i]) ? 'yes' : `NO (${historyB.length})`}`,
        ],
        [
          'subscribers complete (exact sequence, no error/close)',
          `${report.complete.toLocaleString('en-US')} / ${report.sockets.toLocaleString('en-US')} (${report.byTarget.map((t) => `${names[t.target]} ${t.complete}/${t.sockets}`).join(', ')})`,
        ],
        [
          'deliveries expected / missing / duplicate / unexpected',
          `${expectedDeliveries.toLocaleString('en-US')} / ${report.missing} / ${report.duplicates} / ${report.unexpected}`,
        ],
        ['out-of-order first deliveries', String(report.backwards)],
        ['subscriber error / complete / closed sockets', `${report.errors} / ${report.completes} / ${report.closed}`],
        ['drain after traffic stopped', `${fmt(drainMs / 1000, 1)} s${drained ? '' : ' (NOT drained within the limit)'}`],
        [
          'delivery lag to the LAST subscriber (occurredAt → arrival)',
          `p50 ${fmt(median(lastLagAll), 0)} ms, p99 ${fmt(quantile(lastLagAll, 0.99), 0)} ms, max ${fmt(Math.max(...lastLagAll), 0)} ms; first half of events p50/p99 ${fmt(median(lastLagEarly), 0)}/${fmt(quantile(lastLagEarly, 0.99), 0)} ms, second half ${fmt(median(lastLagLate), 0)}/${fmt(quantile(lastLagLate, 0.99), 0)} ms`,
        ],
        ...instances.flatMap((_, i) => {
          const m = memory[i];
          const g = m.gcs;
          return [
            [
              `${names[i]} RSS start → end`,
              `${fmt(start.rss[i] / MB, 1)} → ${fmt(end.rss[i] / MB, 1)} MB: ${fmt(m.rssPointRatio, 3)}× (range ${fmt(m.rssMin / MB, 0)}–${fmt(m.rssMax / MB, 0)} MB); second-half slope ${fmt(m.rssSlope, 2)} MB/min`,
            ],
            [
              `${names[i]} RSS floor first → last quarter (peak)`,
              `${fmt(m.rssFirst / MB, 1)} → ${fmt(m.rssLast / MB, 1)} MB: ${fmt(m.rssRatio, 3)}× (peak ${fmt(m.peakFirst / MB, 1)} → ${fmt(m.peakLast / MB, 1)} MB: ${fmt(m.peakLast / m.peakFirst, 3)}×)`,
            ],
            [
              `${names[i]} heap after full GC (live set)`,
              g.length
                ? `${fmt(g[0].mb, 1)} → ${fmt(g[g.length - 1].mb, 1)} MB (${g.length} full GCs, ${m.gcsSecond} in the second half; min ${fmt(Math.min(...g.map((x) => x.mb)), 1)}, max ${fmt(Math.max(...g.map((x) => x.mb)), 1)}); second-half slope ${fmt(m.liveSlope, 2)} MB/min`
                : 'no full GC in the window',
            ],
            [
              `${names[i]} V8 heap used start → end (sampled)`,
              `${fmt(start.heap[i] / MB, 1)} → ${fmt(end.heap[i] / MB, 1)} MB: ${fmt(m.heapRatio, 3)}×; second-half slope ${fmt(m.heapSlope, 2)} MB/min`,
            ],
          ];
        }),
        ...instances.map((_, i) => [`${names[i]} CPU (core 0 share) over the window`, `${fmt(((end.cpu[i] - start.cpu[i]) / 1e9 / measuredS) * 100, 0)}%`]),
        [
          'client process RSS start → end',
          `${fmt(start.clientRss / MB, 1)} → ${fmt(end.clientRss / MB, 1)} MB (${fmt(end.clientRss / start.clientRss, 3)}×; second-half slope ${fmt(clientSlope, 2)} MB/min); CPU ${fmt(((end.clientCpu - start.clientCpu) / 1e9 / measuredS) * 100, 0)}%`,
        ],
        ['server log lines warn / error', `${logWarns} / ${logErrors}`],
      ],
    );
    for (const line of problemsNoted) console.log(`  problem: ${line}`);
    for (const line of report.failures) console.log(`  subscriber: ${line}`);
    for (const [i, l] of logs.entries()) for (const line of l.samples) console.log(`  ${names[i]} log: ${line}`);
    if (report.unexpected) console.log(`  unexpected event ids (sample): ${report.unexpectedSample.join(', ')}`);
    console.log(
      `no errors (verify non-2xx/transport/wrong, mutation failures, subscriber error/complete/close, server error logs all 0) → ${noErrors ? 'MET' : 'NOT MET'}`,
    );
    console.log(
      `every notice delivered (${report.complete}/${report.sockets} subscribers got exactly the ${ids.length} events; ${report.missing} missing, ${report.duplicates} duplicate, ${report.unexpected} unexpected, ${report.backwards} out of order) → ${delivered ? 'MET' : 'NOT MET'}`,
    );
    console.log(
      `memory flat (each instance: RSS floor last/first quarter ≤ ${FLAT_RATIO}× and slope of the live heap after full GCs ≤ ${FLAT_SLOPE_MB_PER_MIN} MB/min; ${memory.map((m, i) => `${names[i]} ${fmt(m.rssRatio, 3)}×, ${fmt(m.verdictSlope, 2)} MB/min (${m.slopeBasis})`).join('; ')}) → ${flat ? 'MET' : 'NOT MET'}${MINUTES < 5 ? ' (indicative only: under 5 minutes the quarters hold about one full GC each)' : ''}`,
    );
  } finally {
    await probe?.stop().catch(() => undefined);
    if (clients) await clients.call({ cmd: 'close' }, 'close clients', 30_000).catch(() => undefined);
    for (const t of instances) await t.stop();
    await Promise.all([postgres.stop(), redis.stop()]);
  }
}

main('soak', run, WARMUP_MS + DURATION_MS + 10 * 60_000);
