import { PortableMigration } from './migration';

/** The cache evictions of committed changes, read by every instance (see EvictionFeed). */
export class EvictionsMigration extends PortableMigration {
  override async up(): Promise<void> {
    const ts = PortableMigration.timestamp;
    this.schema((s) =>
      s.createTable('cache_evictions', (t) => {
        t.bigIncrements('id').primary();
        t.text('token_ids').notNullable();
        ts(t, 'created_at').notNullable();
      }),
    );
  }
}
