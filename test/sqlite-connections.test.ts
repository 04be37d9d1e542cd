import type { MikroORM } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../src/core/db/orm';
import type { TokenKind } from '../src/core/tokens/token-kind';
import { TokenRecord } from '../src/core/tokens/token.entity';
import { entities, migrations } from '../src/modules';

/**
 * SQLite settings live on a connection, and MikroORM's libsql dialect replaces its connection
 * every 10 s: each new one must get them too. Statements are prepared once per connection and
 * reused: reuse must give each call its own bindings.
 */
describe('SQLite connections', () => {
  let dir: string;
  let orm: MikroORM;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-sqlite-'));
    orm = await openDatabase({ database: { type: 'sqlite', path: join(dir, 'tessera.db') }, entities, migrations });
  });

  afterAll(async () => {
    jest.restoreAllMocks();
    await orm.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const settings = async () => {
    const connection = orm.em.getConnection();
    const [foreignKeys] = await connection.execute<{ foreign_keys: number }[]>('PRAGMA foreign_keys');
    const [busy] = await connection.execute<{ timeout: number }[]>('PRAGMA busy_timeout');
    return { foreignKeys: foreignKeys.foreign_keys, busyTimeoutMs: busy.timeout };
  };

  it('should keep waiting for locks and enforcing foreign keys on a connection opened after the first', async () => {
    expect(await settings()).toEqual({ foreignKeys: 1, busyTimeoutMs: 5000 });
    // The pool replaces the connection once it is 10 s old: move the clock it reads past that.
    const pool = (orm.em as SqlEntityManager).getKnex().client.pool as { on(event: 'createSuccess', listener: () => void): void };
    let opened = 0;
    pool.on('createSuccess', () => {
      opened += 1;
    });
    const now = Date.now();
    jest.spyOn(Date, 'now').mockImplementation(() => now + 11_000);
    expect(await settings()).toEqual({ foreignKeys: 1, busyTimeoutMs: 5000 });
    expect(opened).toBeGreaterThanOrEqual(1);
    jest.restoreAllMocks();
  });

  it('should prepare a statement once per connection and bind each run afresh', async () => {
    const knex = (orm.em as SqlEntityManager).getKnex();
    const connection = (await knex.client.acquireConnection()) as { prepare(sql: string): unknown };
    try {
      expect(connection.prepare('select 1 as one')).toBe(connection.prepare('select 1 as one'));
      expect(connection.prepare('select 2 as two')).not.toBe(connection.prepare('select 1 as one'));
    } finally {
      await knex.client.releaseConnection(connection);
    }
    // The same statement text, run with other values, answers for those values.
    const em = orm.em.fork();
    for (const name of ['first', 'second', 'third'])
      em.create(TokenRecord, {
        id: `pat_${name}`,
        tenantId: 'ten_x',
        kind: 'PERSONAL_ACCESS',
        name,
        start: 'tsp_abcd',
        createdAt: new Date(),
        updatedAt: new Date(),
      });
    await em.flush();
    for (const name of ['second', 'first', 'third', 'second']) {
      const found = await orm.em.fork().find(TokenRecord, { name });
      expect(found.map((token) => token.id)).toEqual([`pat_${name}`]);
    }
    expect(await orm.em.fork().count(TokenRecord, { name: { $in: ['first', 'third'] } })).toBe(2);
    expect(await orm.em.fork().count(TokenRecord, { name: { $in: ['second'] } })).toBe(1);
  });
});
