import { createHash } from 'node:crypto';
import { PortableMigration } from '../../core/db/migration';

/** One rename the migration made: logged at start by whoever runs migrations (see {@link pathRenames}). */
export interface PathRename {
  endpointId: string;
  tenantId: string;
  from: string;
  to: string;
}

/** What the last run of {@link EndpointPathsMigration} renamed in this process (for the start log). */
export const pathRenames: PathRename[] = [];

/**
 * Ingress URLs (`/endpoints/{path}`) carry no tenant, so a path must name one endpoint of the
 * whole installation (issue 15: tenant A's `orders` received calls meant for tenant B's).
 * Existing collisions are resolved deterministically: on each path the oldest endpoint (created
 * first, then lowest id) keeps it, so URLs handed out first keep working; every other one moves
 * to `{path}-{6 hex of sha256(its id)}` (longer on the rare clash), and each move is logged once
 * as a warning line. Then the per-tenant unique index becomes an installation-wide one.
 */
export class EndpointPathsMigration extends PortableMigration {
  override async up(): Promise<void> {
    const knex = this.getKnex();
    const rows = (await this.execute(
      knex('endpoints')
        .select('id', 'tenant_id', 'path', 'created_at')
        .orderBy([{ column: 'path' }, { column: 'created_at' }, { column: 'id' }])
        .toString(),
    )) as {
      id: string;
      tenant_id: string;
      path: string;
      created_at: unknown;
    }[];
    const taken = new Set(rows.map((row) => row.path));
    const kept = new Set<string>();
    for (const row of rows) {
      if (!kept.has(row.path)) {
        kept.add(row.path);
        continue;
      }
      const digest = createHash('sha256').update(row.id).digest('hex');
      let length = 6;
      let to = `${row.path.slice(0, 190)}-${digest.slice(0, length)}`;
      while (taken.has(to)) to = `${row.path.slice(0, 190)}-${digest.slice(0, (length += 2))}`;
      taken.add(to);
      await this.execute(knex('endpoints').update({ path: to }).where({ id: row.id }).toString());
      const rename = { endpointId: row.id, tenantId: row.tenant_id, from: row.path, to };
      pathRenames.push(rename);
      // A pino-shaped warning line (migrations run before the logger is handed anything).
      process.stdout.write(
        `${JSON.stringify({ level: 40, time: Date.now(), component: 'migration', ...rename, msg: 'endpoint path was taken by an older endpoint of another tenant: moved so that every ingress URL names one endpoint' })}\n`,
      );
    }
    this.schema((s) =>
      s.alterTable('endpoints', (t) => {
        t.dropUnique(['tenant_id', 'path'], 'endpoints_tenant_id_path_unique');
        t.dropIndex(['path'], 'endpoints_path_index');
        t.unique(['path'], { indexName: 'endpoints_path_unique' });
      }),
    );
  }
}
