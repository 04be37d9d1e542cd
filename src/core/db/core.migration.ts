import { PortableMigration } from './migration';

/** The tables core owns: tokens of every kind, their values, the event outbox, the audit log. */
export class CoreTablesMigration extends PortableMigration {
  override async up(): Promise<void> {
    const ts = PortableMigration.timestamp;
    this.schema((s) =>
      s
        .createTable('tokens', (t) => {
          t.string('id').primary();
          t.string('tenant_id').notNullable();
          t.string('kind').notNullable();
          t.string('name').notNullable();
          t.text('description');
          t.string('start').notNullable();
          t.string('owner_id');
          t.string('subject_type');
          t.string('subject_id');
          ts(t, 'expires_at');
          ts(t, 'revoked_at');
          ts(t, 'disabled_at');
          ts(t, 'last_used_at');
          t.string('created_by_id');
          ts(t, 'created_at').notNullable();
          ts(t, 'updated_at').notNullable();
          ts(t, 'next_notice_at');
          t.integer('noticed_threshold_days');
          t.index(['next_notice_at'], 'tokens_next_notice_at_index');
          t.index(['tenant_id', 'kind', 'owner_id'], 'tokens_tenant_kind_owner_index');
          t.index(['subject_id'], 'tokens_subject_id_index');
        })
        .createTable('token_secrets', (t) => {
          t.string('hash').primary();
          t.string('token_id').notNullable().references('id').inTable('tokens').onDelete('CASCADE');
          ts(t, 'valid_until');
          t.text('ciphertext');
          ts(t, 'created_at').notNullable();
          t.index(['token_id'], 'token_secrets_token_id_index');
        })
        .createTable('token_events', (t) => {
          t.bigIncrements('id').primary();
          t.string('tenant_id').notNullable();
          t.string('type').notNullable();
          t.string('token_id').notNullable();
          t.string('token_kind').notNullable();
          t.string('token_name').notNullable();
          t.string('token_status').notNullable();
          ts(t, 'token_expires_at');
          t.string('subject_type');
          t.string('subject_id');
          t.string('owner_id');
          t.integer('audience_rank').notNullable();
          t.string('actor_type').notNullable();
          t.string('actor_id');
          t.string('actor_name');
          ts(t, 'occurred_at').notNullable();
          t.jsonb('data');
          t.index(['tenant_id', 'id'], 'token_events_tenant_id_id_index');
          t.index(['token_id'], 'token_events_token_id_index');
        })
        .createTable('audit_entries', (t) => {
          t.string('id').primary();
          t.string('tenant_id').notNullable();
          t.string('actor_type').notNullable();
          t.string('actor_id');
          t.string('actor_name');
          t.string('action').notNullable();
          t.string('target_type').notNullable();
          t.string('target_id');
          t.string('target_name');
          t.jsonb('detail');
          t.string('request_id');
          ts(t, 'occurred_at').notNullable();
          t.index(['tenant_id', 'id'], 'audit_entries_tenant_id_id_index');
        }),
    );
  }
}
