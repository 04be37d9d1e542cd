import { PortableMigration } from './migration';

/**
 * `tokens.expiring_at`: when a token turns EXPIRING, from the warning window that fits its term
 * (see `termThresholds`). Tokens written before keep null and their kind's window until their
 * next term starts (a refresh, a regeneration).
 */
export class ExpiringAtMigration extends PortableMigration {
  override async up(): Promise<void> {
    this.schema((s) =>
      s.alterTable('tokens', (t) => {
        PortableMigration.timestamp(t, 'expiring_at');
        t.index(['tenant_id', 'kind', 'expiring_at'], 'tokens_tenant_id_kind_expiring_at_index');
      }),
    );
  }
}
