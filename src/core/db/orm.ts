import { MikroORM, type Options, type EntityClass, type LoggerNamespace } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import type { DatabaseConfig } from '../config';
import type { MigrationEntry } from './migration';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export interface OrmOptions {
  database: DatabaseConfig;
  entities: EntityClass<unknown>[];
  migrations: MigrationEntry[];
  /** Called with every SQL statement the ORM runs (tests count them). */
  onQuery?: (sql: string) => void;
}

/**
 * Opens the database (SQLite through libsql, or PostgreSQL) and brings its schema up to date
 * by running the pending migrations. The same entities and migrations serve both.
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
    orm = await MikroORM.init({ ...common, driver: LibSqlDriver, dbName: options.database.path } as Options);
    // Several writers share one file: wait for the lock instead of failing at once.
    await orm.em.getConnection().execute('PRAGMA busy_timeout = 5000');
    await orm.em.getConnection().execute('PRAGMA foreign_keys = ON');
  }
  await orm.getMigrator().up();
  return orm;
}

/** Whether this ORM talks to PostgreSQL. */
export function isPostgres(orm: MikroORM): boolean {
  return orm.config.get('driver')?.name === 'PostgreSqlDriver' || orm.em.getPlatform().constructor.name.startsWith('PostgreSql');
}
