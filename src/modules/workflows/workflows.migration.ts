import { PortableMigration } from '../../core/db/migration';

/** Workflows and the instances started from outside. */
export class WorkflowsTablesMigration extends PortableMigration {
  override async up(): Promise<void> {
    const ts = PortableMigration.timestamp;
    this.schema((s) =>
      s
        .createTable('workflows', (t) => {
          t.string('id').primary();
          t.string('tenant_id').notNullable();
          t.string('name').notNullable();
          t.string('start_event').notNullable();
          t.jsonb('request_schema');
          t.string('created_by_id');
          ts(t, 'created_at').notNullable();
          ts(t, 'updated_at').notNullable();
          t.unique(['tenant_id', 'name'], { indexName: 'workflows_tenant_id_name_unique' });
        })
        .createTable('workflow_instances', (t) => {
          t.string('id').primary();
          t.string('tenant_id').notNullable();
          t.string('workflow_id').notNullable().references('id').inTable('workflows').onDelete('CASCADE');
          t.string('token_id');
          t.string('started_by_type').notNullable();
          t.string('started_by_id');
          t.jsonb('body').notNullable();
          ts(t, 'created_at').notNullable();
          t.index(['workflow_id', 'id'], 'workflow_instances_workflow_id_id_index');
        }),
    );
  }
}
