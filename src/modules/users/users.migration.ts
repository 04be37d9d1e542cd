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

/** The name every bootstrap administrator token is issued with (see `UserService`). */
export const BOOTSTRAP_TOKEN_NAME = 'Bootstrap administrator token';

/**
 * `bootstrap_values`: the lookup hash of every bootstrap administrator value ever issued. Values
 * issued before this table existed are recorded from the tokens still holding them; a value
 * whose token was already deleted left no trace and cannot be recorded.
 */
export class BootstrapValuesMigration extends PortableMigration {
  override async up(): Promise<void> {
    const ts = PortableMigration.timestamp;
    this.schema((s) =>
      s.createTable('bootstrap_values', (t) => {
        t.string('lookup_hash').primary();
        ts(t, 'issued_at').notNullable();
        ts(t, 'retired_at');
      }),
    );
    this.addSql(
      'insert into bootstrap_values (lookup_hash, issued_at) ' +
        'select s.hash, s.created_at from token_secrets s join tokens t on t.id = s.token_id ' +
        `where t.kind = 'PERSONAL_ACCESS' and t.name = '${BOOTSTRAP_TOKEN_NAME}' and t.expires_at is null`,
    );
  }
}

/** People can be deactivated (`users.deactivated_at`): their tokens stop until they are reactivated. */
export class UsersStatusMigration extends PortableMigration {
  override async up(): Promise<void> {
    this.schema((s) =>
      s.alterTable('users', (t) => {
        PortableMigration.timestamp(t, 'deactivated_at');
      }),
    );
  }
}
