import type { EntityManager } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';

/**
 * The database lock that serialises the start of several instances on one database (migrations,
 * then the first-start bootstrap): whoever holds it sees the work of those before it done.
 *
 * It is taken inside a transaction and held until that transaction ends, so it is released on
 * commit, on rollback, and when the process dies (its connection closes) — never left behind:
 * - PostgreSQL: a transaction-level advisory lock, `pg_advisory_xact_lock(STARTUP_LOCK_KEY)`;
 * - SQLite: the database's write lock, taken by a write as the transaction's first statement
 *   (a transaction that reads first and writes later cannot wait for the lock: SQLite answers
 *   SQLITE_BUSY at once to avoid a deadlock; a first write waits up to `busy_timeout`).
 *   The write is a DELETE on {@link SQLITE_LOCK_TABLE}, a table that stays empty.
 */
/** An arbitrary constant, distinct from the event-order lock (71_042_026). */
export const STARTUP_LOCK_KEY = 71_042_027;

/** The empty table SQLite's startup transactions write first (see {@link takeStartupLock}). */
export const SQLITE_LOCK_TABLE = 'tessera_startup_lock';

/**
 * Creates {@link SQLITE_LOCK_TABLE} if missing, outside any transaction. Safe when several
 * processes do it at once: SQLite re-checks `if not exists` after it holds the write lock.
 */
export async function ensureSqliteLockTable(em: EntityManager): Promise<void> {
  await (em as SqlEntityManager).execute(`create table if not exists ${SQLITE_LOCK_TABLE} (id integer primary key)`);
}

/**
 * Takes the startup lock in `em`'s current transaction; call it first in the transaction. Waits
 * while another instance holds it.
 */
export async function takeStartupLock(em: EntityManager, postgres: boolean): Promise<void> {
  if (postgres) await (em as SqlEntityManager).execute('select pg_advisory_xact_lock(?)', [STARTUP_LOCK_KEY]);
  else await (em as SqlEntityManager).execute(`delete from ${SQLITE_LOCK_TABLE}`);
}
