import { PortableMigration } from './migration';

/** Retention: the pruning watermark of the event table, and an index to find expired tokens by kind. */
export class RetentionMigration extends PortableMigration {
  override async up(): Promise<void> {
    const ts = PortableMigration.timestamp;
    this.schema((s) =>
      s
        .createTable('event_retention', (t) => {
          t.integer('id').primary();
          t.bigInteger('pruned_through').notNullable();
          ts(t, 'updated_at').notNullable();
        })
        .alterTable('tokens', (t) => {
          t.index(['kind', 'expires_at'], 'tokens_kind_expires_at_index');
        }),
    );
    this.addSql(
      this.getKnex()
        .insert({ id: 1, pruned_through: 0, updated_at: new Date(0) })
        .into('event_retention')
        .toString(),
    );
  }
}
