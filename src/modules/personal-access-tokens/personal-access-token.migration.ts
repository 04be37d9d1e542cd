import { PortableMigration } from '../../core/db/migration';

/**
 * `pat_policies` (a tenant's policy for personal access tokens) and `pat_settings` (each token's
 * duration and scopes). Tokens made before have no settings row: their duration is read from
 * their term, and they have no scopes (all their owner's role allows).
 */
export class PatPoliciesMigration extends PortableMigration {
  override async up(): Promise<void> {
    const ts = PortableMigration.timestamp;
    this.schema((s) =>
      s
        .createTable('pat_policies', (t) => {
          t.string('tenant_id').primary().references('id').inTable('tenants').onDelete('CASCADE');
          t.string('default_duration').notNullable();
          t.text('allowed_durations').notNullable();
          t.boolean('allow_non_expiring').notNullable();
          ts(t, 'updated_at').notNullable();
          t.string('updated_by_id');
        })
        .createTable('pat_settings', (t) => {
          // No foreign key: written in the token's own transaction, in any order; deleted with the token (PersonalAccessTokenService.delete).
          t.string('token_id').primary();
          t.string('duration').notNullable();
          t.integer('lifetime_seconds');
          t.string('scopes');
        }),
    );
  }
}
