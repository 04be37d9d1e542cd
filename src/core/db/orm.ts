import { MikroORM, type Options, type EntityClass, type LoggerNamespace } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import type { DatabaseConfig } from '../config';
import type { MigrationEntry } from './migration';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { LRUCache } from 'lru-cache';
import { ensureSqliteLockTable, takeStartupLock } from './startup-lock';

export interface OrmOptions {
  database: DatabaseConfig;
  entities: EntityClass<unknown>[];
  migrations: MigrationEntry[];
  /** Called with every SQL statement the ORM runs (tests count them). */
  onQuery?: (sql: string) => void;
}

/**
 * Opens the database (SQLite through libsql, or PostgreSQL) and brings its schema up to date
 * by running the pending migrations under the startup lock. The same entities and migrations
 * serve both.
 */
export async function openDatabase(options: OrmOptions): Promise<MikroORM> {
  const common: Partial<Options> = {
    entities: options.entities,
    extensions: [Migrator],
    forceUtcTimezone: true,
    allowGlobalContext: false,
    discovery: { disableDynamicFileAccess: true, requireEntitiesArray: true },
    migrations: { migrationsList: options.migrations, transactional: true, allOrNothing: true, snapshot: false, disableForeignKeys: false },
    debug: options.onQuery ? (['query'] as LoggerNamespace[]) : false,
    logger: options.onQuery ? (message: string) => options.onQuery?.(message) : () => undefined,
    colors: false,
  };
  let orm: MikroORM;
  if (options.database.type === 'postgres') {
    const { PostgreSqlDriver } = await import('@mikro-orm/postgresql');
    orm = await MikroORM.init({ ...common, driver: PostgreSqlDriver, clientUrl: options.database.url, pool: { min: 0, max: 10 } } as Options);
  } else {
    const { LibSqlDriver } = await import('@mikro-orm/libsql');
    if (options.database.path !== ':memory:') mkdirSync(dirname(options.database.path), { recursive: true });
    orm = await MikroORM.init({ ...common, driver: LibSqlDriver, dbName: options.database.path, pool: { afterCreate: prepareSqliteConnection } } as Options);
  }
  await migrate(orm);
  return orm;
}

/** The parts of MikroORM's migrator {@link migrate} drives (see there). */
interface LockableMigrator {
  ensureDatabase(): Promise<void>;
  getStorage(): { setMasterMigration(trx: unknown): void; unsetMasterMigration(): void; ensureTable(): Promise<void> };
  up(options: { transaction: unknown }): Promise<unknown[]>;
}

/**
 * Runs the pending migrations in one transaction that first takes the startup lock
 * (core/db/startup-lock), so instances starting at once on one database migrate one after the
 * other: the first runs them, the next ones find them in the migrator's table and run nothing.
 * Without the lock, three instances on an empty PostgreSQL failed on `relation ... already
 * exists` and duplicate `pg_type` rows in every round.
 *
 * Everything the migrator does must run in that transaction: on SQLite the pool has one
 * connection, which the transaction holds, so any statement outside it waits forever. MikroORM's
 * migrator (6.6) passes the transaction to the migrations and its table of executed ones, but
 * first "ensures the database" outside it: it checks the database exists and creates its table if
 * missing, on a connection of its own, and replaces that table's accessor (dropping the
 * transaction). That step is its private `ensureDatabase`; for this one call it is replaced by
 * the table's creation in the transaction (the database exists: it was just opened).
 */
async function migrate(orm: MikroORM): Promise<void> {
  const postgres = isPostgres(orm);
  const migrator = orm.getMigrator() as unknown as LockableMigrator;
  if (!postgres) await ensureSqliteLockTable(orm.em.fork());
  await orm.em.fork().transactional(async (em) => {
    await takeStartupLock(em, postgres);
    const transaction = em.getTransactionContext();
    const storage = migrator.getStorage();
    const ensureDatabase = Object.getOwnPropertyDescriptor(migrator, 'ensureDatabase');
    migrator.ensureDatabase = () => storage.ensureTable();
    storage.setMasterMigration(transaction);
    try {
      await migrator.up({ transaction });
    } finally {
      storage.unsetMasterMigration();
      if (ensureDatabase) Object.defineProperty(migrator, 'ensureDatabase', ensureDatabase);
      else delete (migrator as Partial<LockableMigrator>).ensureDatabase;
    }
  });
}

/** The part of a libsql connection Tessera touches. */
interface SqliteConnection {
  exec(sql: string): unknown;
  prepare(sql: string): object;
}

/** Prepared statements kept per SQLite connection (least recently used dropped first). */
const STATEMENT_CACHE_SIZE = 256;

/**
 * Readies every SQLite connection the pool opens. MikroORM's libsql dialect replaces its
 * connection every 10 s, and SQLite settings live on the connection: set once at start, they
 * were gone 10 s later (busy_timeout back to 0). So:
 * - the settings, on each connection: several writers share one file, so wait for the lock
 *   instead of failing at once; enforce foreign keys;
 * - prepared statements kept by SQL text: knex prepares every statement it runs, and for a list
 *   that was 4 % of the request (bench/list-query). knex runs libsql statements only through
 *   `all` and `run`, which bind and reset on every call (checked); libsql's `get` does not
 *   rebind a reused statement, and nothing here calls it.
 */
function prepareSqliteConnection(connection: SqliteConnection, done: (error: Error | null, connection: SqliteConnection) => void): void {
  try {
    connection.exec('PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON');
    const prepare = connection.prepare.bind(connection);
    const statements = new LRUCache<string, object>({ max: STATEMENT_CACHE_SIZE });
    connection.prepare = (sql: string) => {
      let statement = statements.get(sql);
      if (statement === undefined) statements.set(sql, (statement = prepare(sql)));
      return statement;
    };
    done(null, connection);
  } catch (error) {
    done(error as Error, connection);
  }
}

/** Whether this ORM talks to PostgreSQL. */
export function isPostgres(orm: MikroORM): boolean {
  return orm.config.get('driver')?.name === 'PostgreSqlDriver' || orm.em.getPlatform().constructor.name.startsWith('PostgreSql');
}
