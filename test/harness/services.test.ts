import { existsSync } from 'node:fs';
import { Redis } from 'ioredis';
import { startPostgres, startRedis, type PostgresServer, type RedisServer } from './services';

/** The subset of the untyped `pg` module these tests use. */
interface PgClient {
  connect(): Promise<void>;
  query<Row>(sql: string): Promise<{ rows: Row[] }>;
  end(): Promise<void>;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Client } = require('pg') as { Client: new (config: { connectionString: string }) => PgClient };

/** Runs one query on a short-lived connection and returns its rows. */
async function query<Row>(url: string, sql: string): Promise<Row[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Row>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** Whether `public.<table>` exists in the database at `url`. */
async function hasTable(url: string, table: string): Promise<boolean> {
  const [row] = await query<{ found: boolean }>(url, `SELECT to_regclass('public.${table}') IS NOT NULL AS found`);
  return row.found;
}

describe('test services', () => {
  let postgres: PostgresServer | undefined;
  let redis: RedisServer | undefined;
  let dataDirectory = '';

  beforeAll(async () => {
    [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([postgres?.stop(), redis?.stop()]);
  });

  it('should start a private postgres and create an isolated database', async () => {
    const pg = postgres!;
    expect(pg.url).toBe(`postgres://tessera@127.0.0.1:${pg.port}/postgres`);
    expect(pg.port).not.toBe(5432);
    const [{ data_directory }] = await query<{ data_directory: string }>(pg.url, 'SHOW data_directory');
    expect(data_directory).not.toMatch(/^\/var\/lib\/postgresql/);
    dataDirectory = data_directory;

    const first = await pg.createDatabase();
    const second = await pg.createDatabase('tessera_second');
    expect(second).toBe(`postgres://tessera@127.0.0.1:${pg.port}/tessera_second`);

    await query(first, 'CREATE TABLE widgets (id int PRIMARY KEY)');
    expect(await hasTable(first, 'widgets')).toBe(true);
    expect(await hasTable(second, 'widgets')).toBe(false);
  });

  it('should keep its databases when postgres restarts on the same port', async () => {
    const pg = postgres!;
    const db = await pg.createDatabase();
    await query(db, 'CREATE TABLE kept (id int)');
    await pg.restart();
    expect(await hasTable(db, 'kept')).toBe(true);
  }, 30_000);

  it('should start a private redis that stores and returns a key', async () => {
    const client = new Redis(redis!.url);
    try {
      await client.set('tessera:greeting', 'hello');
      expect(await client.get('tessera:greeting')).toBe('hello');
    } finally {
      await client.quit();
    }
  });

  it('should answer again after redis is stopped and started', async () => {
    const server = redis!;
    await server.stop();
    const offline = new Redis(server.url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    offline.on('error', () => undefined);
    await expect(offline.connect()).rejects.toThrow();
    expect(offline.status).toBe('end');

    await server.start();
    const client = new Redis(server.url);
    try {
      expect(await client.ping()).toBe('PONG');
      expect(await client.get('tessera:greeting')).toBeNull(); // nothing persisted
    } finally {
      await client.quit();
    }
  }, 30_000);

  it('should release its data directory when everything is stopped', async () => {
    await Promise.all([postgres!.stop(), redis!.stop()]);
    expect(existsSync(dataDirectory)).toBe(false);
    await expect(query(postgres!.url, 'SELECT 1')).rejects.toThrow();
  });
});
