import { PortableMigration } from '../../core/db/migration';

/**
 * Apps get a role (what their access tokens act as). Until now every app acted as an automation
 * administrator; an existing app keeps that only if its creator may still give it: an app of an
 * administrator or automation administrator stays AUTOMATION_ADMIN, an app of a developer becomes
 * DEVELOPER, and any other app (its creator a member, or gone) MEMBER. The column's default is
 * the least power, so a row written without a role never acts as more.
 */
export class AppsRoleMigration extends PortableMigration {
  override async up(): Promise<void> {
    this.schema((s) =>
      s.alterTable('apps', (t) => {
        t.string('role').notNullable().defaultTo('MEMBER');
      }),
    );
    const knex = this.getKnex();
    for (const [role, creatorRoles] of [
      ['AUTOMATION_ADMIN', ['ADMIN', 'AUTOMATION_ADMIN']],
      ['DEVELOPER', ['DEVELOPER']],
    ] as const) {
      const creator = knex('users')
        .select(knex.raw('1'))
        .whereRaw('users.id = apps.created_by_id and users.tenant_id = apps.tenant_id')
        .whereIn('users.role', [...creatorRoles]);
      this.addSql(knex('apps').update({ role }).whereExists(creator).toString());
    }
  }
}
