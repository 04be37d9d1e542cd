import { PortableMigration } from '../../core/db/migration';

/** The apps table; their secrets and access tokens live in core's `tokens`. */
export class AppsTablesMigration extends PortableMigration {
  override async up(): Promise<void> {
    const ts = PortableMigration.timestamp;
    this.schema((s) =>
      s.createTable('apps', (t) => {
        t.string('id').primary();
        t.string('tenant_id').notNullable().references('id').inTable('tenants').onDelete('CASCADE');
        t.string('name').notNullable();
        t.text('description');
        t.string('client_id').notNullable();
        t.string('status').notNullable();
        t.integer('access_token_lifetime_seconds').notNullable();
        t.string('created_by_id');
        ts(t, 'created_at').notNullable();
        ts(t, 'updated_at').notNullable();
        t.unique(['client_id'], { indexName: 'apps_client_id_unique' });
        t.index(['tenant_id'], 'apps_tenant_id_index');
      }),
    );
  }
}
