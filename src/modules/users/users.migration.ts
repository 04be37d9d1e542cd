import { PortableMigration } from '../../core/db/migration';

export class UsersTablesMigration extends PortableMigration {
  override async up(): Promise<void> {
    const ts = PortableMigration.timestamp;
    this.schema((s) =>
      s
        .createTable('tenants', (t) => {
          t.string('id').primary();
          t.string('name').notNullable();
          t.integer('max_token_lifetime_days').notNullable().defaultTo(366);
          ts(t, 'created_at').notNullable();
        })
        .createTable('users', (t) => {
          t.string('id').primary();
          t.string('tenant_id').notNullable().references('id').inTable('tenants').onDelete('CASCADE');
          t.string('email').notNullable();
          t.string('name').notNullable();
          t.string('role').notNullable();
          ts(t, 'created_at').notNullable();
          ts(t, 'updated_at').notNullable();
          t.unique(['tenant_id', 'email'], { indexName: 'users_tenant_id_email_unique' });
          t.index(['tenant_id'], 'users_tenant_id_index');
        }),
    );
  }
}
