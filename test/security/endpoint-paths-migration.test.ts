import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/core/config';
import { openDatabase } from '../../src/core/db/orm';
import { entities, migrations } from '../../src/modules';
import { Endpoint, EndpointCall } from '../../src/modules/endpoints';
import { pathRenames } from '../../src/modules/endpoints/endpoint-paths.migration';
import { Tenant } from '../../src/modules/users';
import { callEndpoint } from '../endpoints.helpers';
import { BACKENDS, newDatabaseUrl, startTessera } from '../harness/tessera';

const UNIQUE_PATHS_MIGRATION = '20261204000030_endpoint_paths';

/** The path the migration gives a moved endpoint: `{path}-{6 hex of sha256(id)}`. */
const movedPath = (path: string, id: string) => `${path}-${createHash('sha256').update(id).digest('hex').slice(0, 6)}`;

/**
 * Issue 15 item 2: paths were unique per tenant, so an upgraded installation may hold one path
 * in several tenants. The migration resolves that deterministically (the oldest endpoint keeps
 * the path), says so once per move in the log, and leaves every path unique.
 */
describe.each(BACKENDS)('the unique-paths migration on %s', (backend) => {
  it('should keep the oldest endpoint on a shared path, move the others, log each move once, and make paths unique', async () => {
    const databaseUrl = await newDatabaseUrl(backend);
    const previous = migrations.filter((migration) => migration.name !== UNIQUE_PATHS_MIGRATION);
    expect(previous).toHaveLength(migrations.length - 1);
    const config = loadConfig({ DATABASE_URL: databaseUrl, TESSERA_DATA_DIR: mkdtempSync(join(tmpdir(), 'tessera-migration-')) });

    // The schema as it was before the migration, holding the collisions it used to allow.
    const old = await openDatabase({ database: config.database, entities, migrations: previous });
    const em = old.em.fork();
    const at = (day: number) => new Date(Date.UTC(2026, 0, day));
    for (const id of ['ten_first', 'ten_second', 'ten_third']) em.create(Tenant, { id, name: id, createdAt: at(1) });
    await em.flush();
    const endpoint = (id: string, tenantId: string, path: string, day: number) =>
      em.create(Endpoint, { id, tenantId, name: id, path, authentication: 'NONE' as never, allowDelete: false, createdAt: at(day), updatedAt: at(day) });
    endpoint('end_new', 'ten_first', 'orders', 3);
    endpoint('end_old', 'ten_second', 'orders', 1);
    endpoint('end_mid', 'ten_third', 'orders', 2);
    endpoint('end_alone', 'ten_first', 'alone', 1);
    // Two created at the same moment: the lower id keeps the path.
    endpoint('end_tie_b', 'ten_first', 'tie', 5);
    endpoint('end_tie_a', 'ten_second', 'tie', 5);
    await em.flush();
    await old.close();

    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
      if (typeof chunk === 'string' && chunk.includes('"component":"migration"')) {
        lines.push(chunk);
        return true;
      }
      return (write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
    });
    pathRenames.length = 0;
    const tessera = await startTessera({ backend, databaseUrl }).finally(() => spy.mockRestore());
    try {
      const fresh = tessera.server.orm.em.fork();
      const paths = Object.fromEntries((await fresh.find(Endpoint, {}, { orderBy: { id: 'asc' } })).map((row) => [row.id, row.path]));
      expect(paths).toEqual({
        end_alone: 'alone',
        end_old: 'orders',
        end_mid: movedPath('orders', 'end_mid'),
        end_new: movedPath('orders', 'end_new'),
        end_tie_a: 'tie',
        end_tie_b: movedPath('tie', 'end_tie_b'),
      });

      // Each move is one warning line, naming the endpoint and its own tenant, never the other.
      const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(logged.map((line) => [line.level, line.endpointId, line.tenantId, line.from, line.to]).sort()).toEqual(
        [
          [40, 'end_mid', 'ten_third', 'orders', movedPath('orders', 'end_mid')],
          [40, 'end_new', 'ten_first', 'orders', movedPath('orders', 'end_new')],
          [40, 'end_tie_b', 'ten_first', 'tie', movedPath('tie', 'end_tie_b')],
        ].sort(),
      );
      expect(pathRenames).toHaveLength(3);

      // The old URL reaches exactly the endpoint that kept it; no second endpoint can take a path.
      expect((await callEndpoint(tessera.url, 'POST', 'orders', { body: { n: 1 } })).status).toBe(200);
      expect((await fresh.find(EndpointCall, {})).map((call) => call.endpointId)).toEqual(['end_old']);
      fresh.create(Endpoint, {
        id: 'end_twin',
        tenantId: 'ten_third',
        name: 'twin',
        path: 'orders',
        authentication: 'NONE' as never,
        allowDelete: false,
        createdAt: at(6),
        updatedAt: at(6),
      });
      await expect(fresh.flush()).rejects.toThrow(/unique|UNIQUE/);
    } finally {
      await tessera.close();
    }
    // A restart runs nothing again: no further moves.
    pathRenames.length = 0;
    const again = await startTessera({ backend, databaseUrl });
    try {
      expect(pathRenames).toHaveLength(0);
      expect((await again.server.orm.em.fork().findOneOrFail(Endpoint, { id: 'end_mid' })).path).toBe(movedPath('orders', 'end_mid'));
    } finally {
      await again.close();
    }
  });
});
