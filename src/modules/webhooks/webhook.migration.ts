import { PortableMigration } from '../../core/db/migration';

/**
 * Webhook endpoints, their deliveries (one per event and endpoint: the unique pair is what makes
 * a delivery exist once however many instances fan out), and the cursor of the fan-out, which
 * starts at the newest event: history from before webhooks existed is not sent.
 */
export class WebhooksTablesMigration extends PortableMigration {
  override async up(): Promise<void> {
    const ts = PortableMigration.timestamp;
    this.schema((s) =>
      s
        .createTable('webhook_endpoints', (t) => {
          t.string('id').primary();
          t.string('tenant_id').notNullable().references('id').inTable('tenants').onDelete('CASCADE');
          t.text('url').notNullable();
          t.text('description');
          t.text('event_types');
          t.boolean('enabled').notNullable();
          t.bigInteger('since_event_id').notNullable();
          t.string('disabled_reason');
          t.text('secret_sealed').notNullable();
          t.text('previous_secret_sealed');
          ts(t, 'previous_secret_until');
          ts(t, 'failing_since');
          t.string('created_by_id');
          ts(t, 'created_at').notNullable();
          ts(t, 'updated_at').notNullable();
          t.index(['tenant_id', 'id'], 'webhook_endpoints_tenant_id_id_index');
        })
        .createTable('webhook_deliveries', (t) => {
          t.string('id').primary();
          t.string('tenant_id').notNullable();
          t.string('endpoint_id').notNullable().references('id').inTable('webhook_endpoints').onDelete('CASCADE');
          t.bigInteger('event_id').notNullable();
          t.string('event_type').notNullable();
          t.string('status').notNullable();
          t.integer('attempts').notNullable().defaultTo(0);
          ts(t, 'next_attempt_at');
          ts(t, 'claimed_until');
          t.string('claim_token');
          t.integer('last_status_code');
          t.text('last_error');
          t.text('last_response');
          ts(t, 'delivered_at');
          ts(t, 'created_at').notNullable();
          ts(t, 'updated_at').notNullable();
          t.unique(['endpoint_id', 'event_id'], { indexName: 'webhook_deliveries_endpoint_id_event_id_unique' });
          t.index(['status', 'next_attempt_at'], 'webhook_deliveries_status_next_attempt_at_index');
          t.index(['endpoint_id', 'id'], 'webhook_deliveries_endpoint_id_id_index');
        })
        .createTable('webhook_cursor', (t) => {
          t.integer('id').primary();
          t.bigInteger('last_event_id').notNullable();
        }),
    );
    this.addSql('insert into webhook_cursor (id, last_event_id) select 1, coalesce(max(id), 0) from token_events');
  }
}
