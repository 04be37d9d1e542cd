import { PortableMigration } from '../../core/db/migration';

export class EndpointsTablesMigration extends PortableMigration {
  override async up(): Promise<void> {
    const ts = PortableMigration.timestamp;
    this.schema((s) =>
      s
        .createTable('endpoints', (t) => {
          t.string('id').primary();
          t.string('tenant_id').notNullable().references('id').inTable('tenants').onDelete('CASCADE');
          t.string('name').notNullable();
          t.string('path').notNullable();
          t.string('authentication').notNullable();
          t.boolean('allow_delete').notNullable().defaultTo(false);
          ts(t, 'created_at').notNullable();
          ts(t, 'updated_at').notNullable();
          t.unique(['tenant_id', 'path'], { indexName: 'endpoints_tenant_id_path_unique' });
          t.index(['path'], 'endpoints_path_index');
        })
        .createTable('endpoint_primary_tokens', (t) => {
          t.string('token_id').primary().references('id').inTable('tokens').onDelete('CASCADE');
          t.string('endpoint_id').notNullable().references('id').inTable('endpoints').onDelete('CASCADE');
          t.string('method').notNullable();
          t.unique(['endpoint_id', 'method'], { indexName: 'endpoint_primary_tokens_endpoint_id_method_unique' });
        })
        .createTable('endpoint_assignments', (t) => {
          t.string('id').primary();
          t.string('tenant_id').notNullable();
          t.string('endpoint_id').notNullable().references('id').inTable('endpoints').onDelete('CASCADE');
          t.string('token_id').notNullable().references('id').inTable('tokens').onDelete('CASCADE');
          t.json('methods').notNullable();
          t.boolean('enabled').notNullable();
          ts(t, 'created_at').notNullable();
          ts(t, 'updated_at').notNullable();
          t.unique(['endpoint_id', 'token_id'], { indexName: 'endpoint_assignments_endpoint_id_token_id_unique' });
          t.index(['token_id'], 'endpoint_assignments_token_id_index');
        })
        .createTable('endpoint_calls', (t) => {
          t.string('id').primary();
          t.string('tenant_id').notNullable();
          t.string('endpoint_id').notNullable().references('id').inTable('endpoints').onDelete('CASCADE');
          t.string('method').notNullable();
          t.string('token_id');
          t.string('token_name');
          t.string('outcome').notNullable();
          t.string('reason');
          t.integer('status_code').notNullable();
          t.integer('payload_size').notNullable();
          t.json('body');
          ts(t, 'received_at').notNullable();
          t.index(['endpoint_id', 'id'], 'endpoint_calls_endpoint_id_id_index');
          t.index(['endpoint_id', 'token_id', 'id'], 'endpoint_calls_endpoint_id_token_id_id_index');
        }),
    );
  }
}
