import { Migration } from '@mikro-orm/migrations';
import type { Knex } from '@mikro-orm/knex';
import type { Constructor } from '@mikro-orm/core';

/**
 * A migration written once for both SQLite and PostgreSQL: it describes tables with knex's
 * schema builder, which renders the dialect of the database it runs on.
 */
export abstract class PortableMigration extends Migration {
  /** Queues every statement the builder renders for this database. */
  protected schema(build: (schema: Knex.SchemaBuilder) => Knex.SchemaBuilder): void {
    const builder = build(this.getKnex().schema);
    for (const statement of builder.toSQL()) this.addSql(statement.sql);
  }

  /** A timestamp column: `timestamptz` on PostgreSQL, `datetime` on SQLite. */
  protected static timestamp(table: Knex.CreateTableBuilder, name: string): Knex.ColumnBuilder {
    return table.timestamp(name, { useTz: true });
  }
}

/** A migration as the migrator lists it. */
export interface MigrationEntry {
  name: string;
  class: Constructor<Migration>;
}
