/**
 * Shared plumbing for the benchmarks: CPU pinning, child servers, GraphQL calls, process CPU
 * from /proc, statistics and tables. Everything talks to 127.0.0.1 only.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Repository root (dist-bench/bench/lib/ → ../../..). */
export const ROOT = resolve(__dirname, '..', '..', '..');
export const SERVER_CPU = '0';
export const CLIENT_CPU = '1';
export const QUICK = process.argv.includes('--quick');

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let hasTaskset: boolean | undefined;
function tasksetAvailable(): boolean {
  if (hasTaskset === undefined) {
    try {
      execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
      hasTaskset = true;
    } catch {
      hasTaskset = false;
    }
  }
  return hasTaskset;
}

/** Pins this (load-generating) process, all its threads, to the client core. */
export function pinSelf(cpu = CLIENT_CPU): void {
  if (!tasksetAvailable()) {
    console.warn('taskset not found: running unpinned');
    return;
  }
  execFileSync('taskset', ['-a', '-p', '-c', cpu, String(process.pid)], { stdio: 'ignore' });
}

/** A command line pinned to `cpu` (with a raised fd limit). */
export function pinned(
  cpu: string,
  argv: string[],
  env: NodeJS.ProcessEnv,
  stdio: ('pipe' | 'inherit' | 'ignore' | 'ipc')[] = ['ignore', 'pipe', 'pipe'],
): ChildProcess {
  const quoted = argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const pin = tasksetAvailable() ? `taskset -c ${cpu} ` : '';
  return spawn('bash', ['-c', `ulimit -n $(ulimit -Hn) 2>/dev/null; exec ${pin}${quoted}`], { env: { ...process.env, ...env }, stdio, cwd: ROOT });
}

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const server = createServer();
    server.on('error', rej);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => res(port));
    });
  });
}

export async function waitHttp(url: string, what: string, child?: ChildProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child && child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`${what}: ${url} not ready after ${timeoutMs} ms`);
    await sleep(50);
  }
}

export interface Proc {
  url: string;
  port: number;
  pid: number;
  child: ChildProcess;
  /** The last chunks the process wrote, stdout and stderr interleaved (its logs): for a failed run's message. */
  output: string[];
  stop(): Promise<void>;
}

async function stopChild(child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

const liveChildren = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of liveChildren) if (child.exitCode === null) child.kill('SIGKILL');
});

function track(child: ChildProcess): string[] {
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
  // Both streams, in arrival order (the server logs to stdout): what a failed run prints.
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 200) output.shift();
  };
  child.stderr?.on('data', keep);
  child.stdout?.on('data', keep);
  return output;
}

export interface TesseraOptions {
  databaseUrl?: string;
  redisUrl?: string;
  adminToken?: string;
  secretKey?: string;
  nodeArgs?: string[];
  env?: NodeJS.ProcessEnv;
}

export interface TesseraProc extends Proc {
  adminToken: string;
}

/** Starts `node dist/src/main.js` pinned to the server core; resolves once /healthz answers. */
export async function startTessera(options: TesseraOptions = {}): Promise<TesseraProc> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-bench-'));
  const adminToken = options.adminToken ?? `bench-admin-${randomBytes(24).toString('hex')}`;
  const env: NodeJS.ProcessEnv = {
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: options.databaseUrl ?? `sqlite:${join(dataDir, 'tessera.db')}`,
    REDIS_URL: options.redisUrl ?? '',
    TESSERA_SECRET_KEY: options.secretKey ?? randomBytes(32).toString('hex'),
    TESSERA_BOOTSTRAP_ADMIN_TOKEN: adminToken,
    TESSERA_DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    NODE_ENV: 'development',
    ...options.env,
  };
  const child = pinned(SERVER_CPU, [process.execPath, ...(options.nodeArgs ?? []), join(ROOT, 'dist/src/main.js')], env);
  const output = track(child);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitHttp(`${url}/healthz`, 'tessera', child);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n${output.join('')}`);
  }
  return {
    url,
    port,
    pid: child.pid!,
    child,
    output,
    adminToken,
    async stop() {
      await stopChild(child);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Starts a compiled bench helper (`dist-bench/bench/<script>.js`) pinned to `cpu`; it must print `listening <port>` on stdout. */
export async function startHelper(script: string, args: string[] = [], cpu = SERVER_CPU, env: NodeJS.ProcessEnv = {}): Promise<Proc> {
  const child = pinned(cpu, [process.execPath, join(ROOT, 'dist-bench/bench', script), ...args], env, ['ignore', 'pipe', 'pipe']);
  const output = track(child);
  const port = await new Promise<number>((res, rej) => {
    let out = '';
    const timer = setTimeout(() => rej(new Error(`${script} did not start: ${output.join('')}`)), 30_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening (\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        res(Number(match[1]));
      }
    });
    child.once('exit', (code) => rej(new Error(`${script} exited with ${code}: ${output.join('')}`)));
  });
  return { url: `http://127.0.0.1:${port}`, port, pid: child.pid!, child, output, stop: () => stopChild(child) };
}

export interface GraphQLResult<T = Record<string, any>> {
  data?: T;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

export async function gql<T = Record<string, any>>(url: string, token: string, query: string, variables?: Record<string, unknown>): Promise<T> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as GraphQLResult<T>;
  if (body.errors?.length || !body.data) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  return body.data;
}

export const CREATE_PAT = `mutation($input: CreatePersonalAccessTokenInput!) { createPersonalAccessToken(input: $input) { secret token { id } } }`;
export const REVOKE_PAT = `mutation($id: ID!) { revokePersonalAccessToken(id: $id) { id status revokedAt } }`;

export async function createPat(url: string, token: string, name: string): Promise<{ id: string; secret: string }> {
  const data = await gql<{ createPersonalAccessToken: { secret: string; token: { id: string } } }>(url, token, CREATE_PAT, {
    input: { name, duration: 'DAYS_30' },
  });
  return { id: data.createPersonalAccessToken.token.id, secret: data.createPersonalAccessToken.secret };
}

/** CPU time (user + system, all threads) a process has used, in nanoseconds, from /proc/<pid>/task/<tid>/schedstat (ns precise); falls back to /proc/<pid>/stat ticks. */
export function processCpuNs(pid: number): number {
  try {
    let total = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // thread ended
      }
    }
    return total;
  } catch {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // utime and stime are fields 14 and 15 (1-based) of the full line; after "pid (comm) " they are at 11 and 12.
    return (Number(fields[11]) + Number(fields[12])) * (1e9 / 100);
  }
}

export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index];
}
export const median = (values: number[]): number => quantile(values, 0.5);
export const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

export function fmt(value: number, digits = 2): string {
  if (!Number.isFinite(value)) return String(value);
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** Prints an aligned table. */
export function table(headers: string[], rows: (string | number)[][]): void {
  const cells = [headers, ...rows.map((row) => row.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) => '| ' + row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join(' | ') + ' |';
  console.log(line(headers));
  console.log('|' + widths.map((w, i) => (i === 0 ? '-' : '-').repeat(w + 1) + (i === 0 ? '-' : ':')).join('|') + '|');
  for (const row of cells.slice(1)) console.log(line(row));
}

export function target(label: string, ratio: number, wanted: number, higherIsBetter = true): void {
  const met = higherIsBetter ? ratio >= wanted : ratio <= wanted;
  console.log(`${label}: ${fmt(ratio)}× (target ${higherIsBetter ? '≥' : '≤'} ${wanted}×) → ${met ? 'MET' : 'NOT MET'}`);
}

/** Runs `fn` with a hard wall-clock limit so no benchmark can hang. */
export function withDeadline<T>(what: string, ms: number, fn: () => Promise<T>): Promise<T> {
  return new Promise<T>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`${what}: gave up after ${ms} ms`)), ms);
    fn().then(
      (value) => {
        clearTimeout(timer);
        res(value);
      },
      (error) => {
        clearTimeout(timer);
        rej(error);
      },
    );
  });
}

/** Runs a benchmark's main, exiting non-zero on error (children are killed on exit). */
export function main(name: string, fn: () => Promise<void>, limitMs: number): void {
  pinSelf();
  const started = Date.now();
  withDeadline(name, limitMs, fn).then(
    () => {
      console.log(`(${name}: ${((Date.now() - started) / 1000).toFixed(1)} s)`);
      process.exit(0);
    },
    (error: Error) => {
      console.error(`${name} failed: ${error.stack ?? error.message}`);
      process.exit(1);
    },
  );
}
