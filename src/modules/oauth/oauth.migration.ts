import { PortableMigration } from '../../core/db/migration';

export class OAuthTablesMigration extends PortableMigration {
  override async up(): Promise<void> {
    const ts = PortableMigration.timestamp;
    this.schema((s) =>
      s
        .createTable('oauth_providers', (t) => {
          t.string('id').primary();
          t.string('tenant_id').notNullable().references('id').inTable('tenants').onDelete('CASCADE');
          t.string('name').notNullable();
          t.text('authorize_url').notNullable();
          t.text('token_url').notNullable();
          t.text('revocation_url').nullable();
          t.string('default_consumer_key').notNullable();
          t.text('default_consumer_secret_sealed').notNullable();
          t.text('private_key_pem_sealed').nullable();
          t.string('private_key_id').nullable();
          t.string('private_key_algorithm').nullable();
          ts(t, 'created_at').notNullable();
          ts(t, 'updated_at').notNullable();
          t.unique(['tenant_id', 'name'], { indexName: 'oauth_providers_tenant_id_name_unique' });
        })
        .createTable('oauth_tokens', (t) => {
          t.string('id').primary().references('id').inTable('tokens').onDelete('CASCADE');
          t.string('tenant_id').notNullable();
          t.string('provider_id').notNullable().references('id').inTable('oauth_providers');
          t.string('flow').notNullable();
          t.string('status').notNullable();
          t.boolean('use_default_keys').notNullable();
          t.string('consumer_key').nullable();
          t.text('consumer_secret_sealed').nullable();
          t.text('credentials_sealed').nullable();
          t.text('resource').nullable();
          t.text('scope').nullable();
          t.json('additional_values').nullable();
          t.text('access_token_sealed').nullable();
          t.text('refresh_token_sealed').nullable();
          t.string('token_type').nullable();
          t.text('granted_scope').nullable();
          t.text('provider_error').nullable();
          t.string('pending_state').nullable();
          t.text('pending_sealed').nullable();
          ts(t, 'next_refresh_at').nullable();
          t.integer('refresh_failures').notNullable().defaultTo(0);
          ts(t, 'last_refreshed_at').nullable();
          ts(t, 'created_at').notNullable();
          ts(t, 'updated_at').notNullable();
          t.index(['next_refresh_at'], 'oauth_tokens_next_refresh_at_index');
          t.index(['tenant_id', 'provider_id'], 'oauth_tokens_tenant_id_provider_id_index');
          t.index(['pending_state'], 'oauth_tokens_pending_state_index');
        }),
    );
  }
}
