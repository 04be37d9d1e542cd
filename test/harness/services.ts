/**
 * Private PostgreSQL and Redis servers for tests.
 *
 * Every server started here is a fresh process on a random free port with its
 * own temporary directory; the machine's shared instances are never touched.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, appendFileSync, chownSync, constants, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Redis } from 'ioredis';

/** A private PostgreSQL server (user `tessera`, trust auth, 127.0.0.1 only). */
export interface PostgresServer {
  /** `postgres://tessera@127.0.0.1:<port>/postgres` */
  url: string;
  port: number;
  /** Creates a fresh database (random name unless given) and returns its `postgres://` url. */
  createDatabase(name?: string): Promise<string>;
  /** Stops the server for good and removes its data directory. */
  stop(): Promise<void>;
  /** Stops then starts again on the same port and data directory; resolves once it accepts connections. */
  restart(): Promise<void>;
  /** The first half of a restart: stops the server, keeping its port and data (for outage tests). */
  pause(): Promise<void>;
  /** The second half: starts a paused server again; resolves once it accepts connections. */
  resume(): Promise<void>;
}

/** A private, non-persistent Redis server on 127.0.0.1. */
export interface RedisServer {
  /** `redis://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** Stops the server (SIGTERM, then SIGKILL) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port; resolves once it answers PING. */
  start(): Promise<void>;
  /** Freezes the process (SIGSTOP): connections stay open, nothing is answered. */
  pause(): void;
  /** Lets a paused process run again (SIGCONT). */
  resume(): void;
}

/** The subset of the untyped `pg` module used here. */
interface PgClient {
  connect(): Promise<void>;
  query(sql: string): Promise<unknown>;
  end(): Promise<void>;
  on(event: 'error', listener: (err: Error) => void): unknown;
}
interface PgModule {
  Client: new (config: { connectionString: string; connectionTimeoutMillis?: number }) => PgClient;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pg = require('pg') as PgModule;

const READY_TIMEOUT_MS = 30_000;
const POSTGRES_USER = 'tessera';
const INSTALL_HINT =
  'Tessera tests need redis-server and PostgreSQL (initdb, pg_ctl): install them (Debian: `apt-get install -y redis-server postgresql`) or set TESSERA_TEST_SKIP_SERVICES=1';

const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** First executable `name` in PATH, or undefined. */
function which(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** A directory holding `initdb`, `pg_ctl` and `postgres`: PATH first, then the newest /usr/lib/postgresql/N/bin. */
function findPostgresBinDir(): string | undefined {
  const hasAll = (dir: string): boolean => ['initdb', 'pg_ctl', 'postgres'].every((b) => isExecutable(join(dir, b)));
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && hasAll(dir)) return dir;
  }
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+(\.\d+)?$/.test(v)) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  return versions.map((v) => join(root, v, 'bin')).find(hasAll);
}

/** Runs a command to completion; rejects with its output on failure. */
function run(cmd: string, args: readonly string[], cwd?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stdout}${stderr}`.trim()));
      else resolve(stdout);
    });
  });
}

/** Runs a PostgreSQL binary, as the `postgres` OS user when we are root (PostgreSQL refuses to run as root). */
function runPg(binDir: string, bin: string, args: readonly string[], cwd: string): Promise<string> {
  const file = join(binDir, bin);
  if (!isRoot()) return run(file, args, cwd);
  if (which('runuser')) return run('runuser', ['-u', 'postgres', '--', file, ...args], cwd);
  const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  return run('su', ['postgres', '-s', '/bin/sh', '-c', [file, ...args].map(quote).join(' ')], cwd);
}

/** A TCP port that was free on 127.0.0.1 a moment ago. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('could not get a free port'))));
    });
  });
}

/** Retries `attempt` until it resolves or the deadline passes; `abort` may explain why waiting is pointless. */
async function waitUntil(what: string, attempt: () => Promise<void>, abort?: () => string | undefined): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      const reason = abort?.();
      if (reason) throw new Error(`${what}: ${reason}`);
      if (Date.now() > deadline) throw new Error(`${what}: not ready after ${READY_TIMEOUT_MS} ms: ${(err as Error).message}`);
      await pause(50);
    }
  }
}

/** Runs one SQL statement against `url` on a short-lived connection. */
async function pgQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query(sql);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Creates a fresh database on the server at `serverUrl` (any database url of it) and returns the
 * new database's url. For test workers, which know the shared server only by its url.
 */
export async function createDatabaseOn(serverUrl: string, name = `t_${randomBytes(6).toString('hex')}`): Promise<string> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`invalid database name: ${name}`);
  await pgQuery(serverUrl, `CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

// Safety net: servers a test forgot to stop die with the process that started them.
const livePostgres = new Map<string, string>(); // temp root -> bin dir
const liveRedis = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of liveRedis) child.kill('SIGKILL');
    for (const [root, binDir] of livePostgres) {
      const args = [join(binDir, 'pg_ctl'), 'stop', '-D', join(root, 'data'), '-m', 'immediate', '-s'];
      try {
        execFileSync(isRoot() ? 'runuser' : args[0], isRoot() ? ['-u', 'postgres', '--', ...args] : args.slice(1), { stdio: 'ignore', cwd: root });
      } catch {
        // already gone
      }
      rmSync(root, { recursive: true, force: true });
    }
  });
}

/**
 * Installs missing binaries when possible: as root with apt-get, runs
 * `apt-get update` and `apt-get install -y redis-server postgresql`.
 * Otherwise throws an Error with one line saying what to install.
 */
export async function ensureBinaries(): Promise<void> {
  const missing = (): boolean => !which('redis-server') || !findPostgresBinDir();
  if (!missing()) return;
  if (!isRoot() || !which('apt-get')) throw new Error(INSTALL_HINT);
  await run('apt-get', ['update']);
  await run('apt-get', ['install', '-y', 'redis-server', 'postgresql']);
  if (missing()) throw new Error(INSTALL_HINT);
}

/**
 * Starts a private PostgreSQL server: temporary data directory, random free
 * port, no durability (fsync, synchronous_commit and full_page_writes off),
 * socket in the temporary directory, plus `extraSettings` (postgresql.conf lines, e.g. a
 * benchmark's `shared_buffers`). Resolves once it accepts connections.
 */
export async function startPostgres(extraSettings: Record<string, string> = {}): Promise<PostgresServer> {
  const binDir = findPostgresBinDir();
  if (!binDir) throw new Error(INSTALL_HINT);
  const root = mkdtempSync(join(tmpdir(), 'tessera-pg-'));
  const dataDir = join(root, 'data');
  try {
    if (isRoot()) {
      const uid = Number(await run('id', ['-u', 'postgres']));
      const gid = Number(await run('id', ['-g', 'postgres']));
      chownSync(root, uid, gid);
    }
    await runPg(binDir, 'initdb', ['-D', dataDir, '-A', 'trust', '-U', POSTGRES_USER, '--no-sync', '-E', 'UTF8', '--locale=C'], root);
  } catch (err) {
    rmSync(root, { recursive: true, force: true });
    throw err;
  }
  installExitHook();
  livePostgres.set(root, binDir);

  const port = await freePort();
  const settings = {
    port: String(port),
    listen_addresses: `'127.0.0.1'`,
    unix_socket_directories: `'${root.replace(/'/g, "''")}'`,
    max_connections: '200',
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    ...extraSettings,
  };
  // Appending as root keeps the file's owner (postgres).
  appendFileSync(
    join(dataDir, 'postgresql.conf'),
    `\n${Object.entries(settings)
      .map(([k, v]) => `${k} = ${v}`)
      .join('\n')}\n`,
  );

  const url = `postgres://${POSTGRES_USER}@127.0.0.1:${port}/postgres`;
  const pgCtl = (args: readonly string[]): Promise<string> => runPg(binDir, 'pg_ctl', ['-D', dataDir, ...args], root);
  let stopped = false;
  const start = async (): Promise<void> => {
    // -l sends the server's output to a file, so pg_ctl's own pipes close when it returns.
    await pgCtl(['start', '-w', '-t', '60', '-s', '-l', join(root, 'postgres.log')]);
    await waitUntil(`postgres on port ${port}`, () => pgQuery(url, 'SELECT 1'));
  };
  const halt = (): Promise<string> => pgCtl(['stop', '-m', 'fast', '-w', '-s']);

  try {
    await start();
  } catch (err) {
    await halt().catch(() => undefined);
    livePostgres.delete(root);
    rmSync(root, { recursive: true, force: true });
    throw err;
  }

  return {
    url,
    port,
    async createDatabase(name = `t_${randomBytes(6).toString('hex')}`): Promise<string> {
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`invalid database name: ${name}`);
      await pgQuery(url, `CREATE DATABASE "${name}"`);
      return `postgres://${POSTGRES_USER}@127.0.0.1:${port}/${name}`;
    },
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      try {
        await halt();
      } finally {
        livePostgres.delete(root);
        rmSync(root, { recursive: true, force: true });
      }
    },
    async restart(): Promise<void> {
      if (stopped) throw new Error('postgres was stopped for good; start a new one');
      await halt();
      await start();
    },
    async pause(): Promise<void> {
      if (stopped) throw new Error('postgres was stopped for good; start a new one');
      await halt();
    },
    async resume(): Promise<void> {
      if (stopped) throw new Error('postgres was stopped for good; start a new one');
      await start();
    },
  };
}

/**
 * Starts a private Redis server (no persistence) as a child process on a
 * random free port. Resolves once it answers PING.
 */
export async function startRedis(): Promise<RedisServer> {
  const bin = which('redis-server');
  if (!bin) throw new Error(INSTALL_HINT);
  installExitHook();
  const port = await freePort();
  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    if (child) return;
    let output = '';
    const proc = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const collect = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-4_000);
    };
    proc.stdout?.on('data', collect);
    proc.stderr?.on('data', collect);
    let exited = false;
    let spawnError: Error | undefined;
    proc.on('error', (err) => (spawnError = err));
    proc.on('exit', () => {
      exited = true;
      liveRedis.delete(proc);
      if (child === proc) child = undefined;
    });
    // A running redis must never keep the test process alive.
    proc.unref();
    (proc.stdout as Socket | null)?.unref();
    (proc.stderr as Socket | null)?.unref();
    child = proc;
    liveRedis.add(proc);

    await waitUntil(
      `redis on port ${port}`,
      async () => {
        const client = new Redis({
          host: '127.0.0.1',
          port,
          lazyConnect: true,
          enableOfflineQueue: false,
          maxRetriesPerRequest: 0,
          retryStrategy: () => null,
          connectTimeout: 2_000,
        });
        client.on('error', () => undefined);
        try {
          await client.connect();
          await client.ping();
          await client.quit();
        } finally {
          // disconnect() on a client whose socket already closed leaves a 2 s timer behind.
          if (client.status !== 'end') client.disconnect();
        }
      },
      () => (spawnError ? spawnError.message : exited ? `redis-server exited: ${output.trim()}` : undefined),
    ).catch((err: unknown) => {
      proc.kill('SIGKILL');
      throw err;
    });
  };

  await start();

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    start,
    pause(): void {
      if (!child?.kill('SIGSTOP')) throw new Error('redis-server is not running');
    },
    resume(): void {
      if (!child?.kill('SIGCONT')) throw new Error('redis-server is not running');
    },
    async stop(): Promise<void> {
      const proc = child;
      if (!proc) return;
      if (proc.exitCode === null && proc.signalCode === null) {
        // A paused server would only act on SIGTERM once continued.
        proc.kill('SIGCONT');
        const exit = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
        await exit;
        clearTimeout(timer);
      }
      child = undefined;
    },
  };
}
