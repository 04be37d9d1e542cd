import {
  AppByIdDocument,
  AppsDocument,
  ActivateAppDocument,
  AuditLogDocument,
  CreateAppDocument,
  CreateUserDocument,
  DeleteAppDocument,
  DisableAppDocument,
  RevealAppSecretDocument,
  RotateAppSecretDocument,
  TokenEventsHistoryDocument,
} from './generated/graphql';
import { App } from '../src/modules/apps';
import { AppsRoleMigration } from '../src/modules/apps/apps-role.migration';
import { BACKENDS, dataOf, errorCodeOf, startTessera, type TestInstance } from './harness/tessera';

type Role = 'ADMIN' | 'AUTOMATION_ADMIN' | 'DEVELOPER' | 'MEMBER';

describe.each(BACKENDS)('apps on %s', (backend) => {
  let tessera: TestInstance;
  let statements = 0;

  beforeAll(async () => {
    // Reads only: the verifier's batched last-used stamps are writes that land at any moment.
    const onQuery = (sql: string) => {
      if (/^\s*select/i.test(sql)) statements += 1;
    };
    tessera = await startTessera({ backend, onQuery });
  });

  afterAll(async () => {
    await tessera.close();
  });

  async function newMember(role: Role) {
    const email = `${role.toLowerCase()}-${Math.random().toString(36).slice(2)}@example.com`;
    const created = dataOf(await tessera.gql(CreateUserDocument, { input: { email, name: 'Someone', role } }));
    return { ...created.createUser.user, token: created.createUser.secret };
  }

  async function newApp(token = tessera.adminToken, name = `app ${Math.random().toString(36).slice(2)}`) {
    return dataOf(await tessera.gql(CreateAppDocument, { input: { name, description: 'for tests' } }, token)).createApp;
  }

  it('should create an app with a client id and a secret shown once, and list it without the secret', async () => {
    const developer = await newMember('DEVELOPER');
    const { app, secret } = await newApp(developer.token, 'billing sync');
    expect(secret).toMatch(/^tsc_[0-9A-Za-z]{46}$/);
    expect(app).toMatchObject({
      name: 'billing sync',
      description: 'for tests',
      status: 'ACTIVE',
      accessTokenLifetimeSeconds: 3600,
      role: 'DEVELOPER',
      createdById: developer.id,
      lastUsedAt: null,
    });
    expect(app.id).toMatch(/^app_/);
    expect(app.clientId).toMatch(/^tca_[0-9A-Za-z]{24}$/);
    expect(app.createdBy).toEqual({ id: developer.id, email: developer.email });
    expect(app.clientSecret).toMatchObject({ kind: 'APP_SECRET', start: secret.slice(0, 8), status: 'ACTIVE' });

    const listed = await tessera.raw({ query: '{ apps(first: 100) { totalCount edges { node { id clientId clientSecret { start } } } } }' });
    expect(JSON.stringify(listed.body)).toContain(app.id);
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    expect(dataOf(await tessera.gql(AppByIdDocument, { id: app.id }, developer.token)).app.clientId).toBe(app.clientId);
    expect(tessera.logs.join('\n')).not.toContain(secret);
  });

  it('should keep a chosen access-token lifetime and filter the list by status', async () => {
    const created = dataOf(await tessera.gql(CreateAppDocument, { input: { name: 'short lived', accessTokenLifetimeSeconds: 300 } })).createApp.app;
    expect(created.accessTokenLifetimeSeconds).toBe(300);
    expect(created.role).toBe('AUTOMATION_ADMIN');
    dataOf(await tessera.gql(DisableAppDocument, { id: created.id }));
    const disabled = dataOf(await tessera.gql(AppsDocument, { first: 100, filter: { status: 'DISABLED' } })).apps;
    expect(disabled.edges.map((edge) => edge.node.id)).toEqual([created.id]);
    const active = dataOf(await tessera.gql(AppsDocument, { first: 100, filter: { status: 'ACTIVE' } })).apps;
    expect(active.edges.map((edge) => edge.node.id)).not.toContain(created.id);
  });

  it('should let administrators and the developer who made an app manage it, and refuse everyone else', async () => {
    const member = await newMember('MEMBER');
    const automation = await newMember('AUTOMATION_ADMIN');
    const developer = await newMember('DEVELOPER');
    const { app: adminsApp } = await newApp();
    for (const document of [DisableAppDocument, DeleteAppDocument, RotateAppSecretDocument, RevealAppSecretDocument] as const) {
      expect(errorCodeOf(await tessera.gql(document as typeof DisableAppDocument, { id: adminsApp.id }, developer.token))).toBe('FORBIDDEN');
    }
    const { app } = await newApp(developer.token);
    for (const caller of [member, automation]) {
      expect(errorCodeOf(await tessera.gql(CreateAppDocument, { input: { name: 'nope' } }, caller.token))).toBe('FORBIDDEN');
      expect(errorCodeOf(await tessera.gql(AppsDocument, { first: 10 }, caller.token))).toBe('FORBIDDEN');
      expect(errorCodeOf(await tessera.gql(DisableAppDocument, { id: app.id }, caller.token))).toBe('FORBIDDEN');
      expect(errorCodeOf(await tessera.gql(DeleteAppDocument, { id: app.id }, caller.token))).toBe('FORBIDDEN');
      expect(errorCodeOf(await tessera.gql(RotateAppSecretDocument, { id: app.id }, caller.token))).toBe('FORBIDDEN');
    }
    expect(dataOf(await tessera.gql(DisableAppDocument, { id: app.id }, developer.token)).disableApp.status).toBe('DISABLED');
    expect(dataOf(await tessera.gql(ActivateAppDocument, { id: app.id }, developer.token)).activateApp.status).toBe('ACTIVE');
    expect(errorCodeOf(await tessera.gql(ActivateAppDocument, { id: app.id }, developer.token))).toBe('CONFLICT');
    expect(dataOf(await tessera.gql(RevealAppSecretDocument, { id: app.id }, developer.token)).revealAppSecret).toMatch(/^tsc_/);
    expect(dataOf(await tessera.gql(DeleteAppDocument, { id: app.id }, developer.token)).deleteApp.id).toBe(app.id);
    expect(errorCodeOf(await tessera.gql(AppByIdDocument, { id: app.id }, developer.token))).toBe('NOT_FOUND');
  });

  it('should list apps with the same number of SQL statements whatever the page size', async () => {
    for (let i = 0; i < 3; i += 1) await newApp();
    const count = async (first: number) => {
      statements = 0;
      const page = dataOf(await tessera.gql(AppsDocument, { first })).apps;
      expect(page.edges).toHaveLength(first);
      return statements;
    };
    expect(await count(3)).toBe(await count(1));
  });

  it('should not let a client secret call the API, nor an app access token manage apps', async () => {
    const { app, secret } = await newApp();
    expect(errorCodeOf(await tessera.gql(AppsDocument, { first: 1 }, secret))).toBe('UNAUTHENTICATED');
    const issued = await tessera.server.services.apps.issueAccessToken((await tessera.server.services.apps.authenticateClient(app.clientId, secret))!, 'api');
    expect(errorCodeOf(await tessera.gql(CreateAppDocument, { input: { name: 'by an app' } }, issued.value))).toBe('FORBIDDEN');
    expect(errorCodeOf(await tessera.gql(RevealAppSecretDocument, { id: app.id }, issued.value))).toBe('FORBIDDEN');
  });

  it('should reveal the current secret to administrators, and audit the reading', async () => {
    const { app, secret } = await newApp();
    expect(dataOf(await tessera.gql(RevealAppSecretDocument, { id: app.id })).revealAppSecret).toBe(secret);
    const rotated = dataOf(await tessera.gql(RotateAppSecretDocument, { id: app.id, graceSeconds: 0 })).rotateAppSecret;
    expect(rotated.secret).not.toBe(secret);
    expect(rotated.previousSecretValidUntil).toBeNull();
    expect(rotated.app.clientSecret?.start).toBe(rotated.secret.slice(0, 8));
    expect(dataOf(await tessera.gql(RevealAppSecretDocument, { id: app.id })).revealAppSecret).toBe(rotated.secret);
    const log = dataOf(await tessera.gql(AuditLogDocument, { first: 100, targetId: app.clientSecret?.id })).auditLog;
    expect(log.edges.map((edge) => edge.node.action)).toEqual(['app.secret_revealed', 'app.regenerated', 'app.secret_revealed', 'app.created']);
    expect(JSON.stringify(log)).not.toContain(secret);
    expect(JSON.stringify(log)).not.toContain(rotated.secret);
  });

  it('should emit a notice and an audit entry for every change, filterable by app', async () => {
    const { app } = await newApp();
    const other = await newApp();
    dataOf(await tessera.gql(DisableAppDocument, { id: app.id }));
    dataOf(await tessera.gql(ActivateAppDocument, { id: app.id }));
    dataOf(await tessera.gql(RotateAppSecretDocument, { id: app.id, graceSeconds: 60 }));
    dataOf(await tessera.gql(DeleteAppDocument, { id: app.id }));
    const events = dataOf(await tessera.gql(TokenEventsHistoryDocument, { first: 100, filter: { appIds: [app.id] } })).tokenEvents.edges.map(
      (edge) => edge.node,
    );
    expect(events.map((event) => event.type)).toEqual(['CREATED', 'DISABLED', 'ENABLED', 'REGENERATED', 'DELETED']);
    expect(events.every((event) => event.token.subjectId === app.id && event.token.kind === 'APP_SECRET')).toBe(true);
    expect(events[3].graceEndsAt).not.toBeNull();
    expect(events.map((event) => event.token.tokenId)).not.toContain(other.app.clientSecret?.id);
    const log = dataOf(await tessera.gql(AuditLogDocument, { first: 100, targetId: app.clientSecret?.id })).auditLog;
    expect(log.edges.map((edge) => edge.node.action)).toEqual(['app.deleted', 'app.regenerated', 'app.enabled', 'app.disabled', 'app.created']);
  });

  it("should show another tenant's app as NOT_FOUND", async () => {
    const { app } = await newApp();
    const elsewhere = await tessera.server.services.users.createTenantWithAdmin({
      tenantName: 'Elsewhere',
      adminEmail: `root-${backend}@elsewhere.test`,
      adminName: 'Root',
    });
    for (const document of [AppByIdDocument, DisableAppDocument, DeleteAppDocument, RevealAppSecretDocument] as const) {
      expect(errorCodeOf(await tessera.gql(document as typeof AppByIdDocument, { id: app.id }, elsewhere.secret))).toBe('NOT_FOUND');
    }
    const theirs = dataOf(await tessera.gql(AppsDocument, { first: 100 }, elsewhere.secret)).apps;
    expect(theirs.totalCount).toBe(0);
  });

  it("should give existing apps their creator's role at most, AUTOMATION_ADMIN at most, when the role column arrives", async () => {
    const developer = await newMember('DEVELOPER');
    const demoted = await newMember('DEVELOPER');
    const automation = await newMember('AUTOMATION_ADMIN');
    const byAdmin = (await newApp()).app.id;
    const byDeveloper = (await newApp(developer.token)).app.id;
    const byDemoted = (await newApp(demoted.token)).app.id;
    const byAutomation = (await newApp()).app.id;
    const byNobody = (await newApp()).app.id;
    const orm = tessera.server.orm;
    const em = orm.em.fork();
    const connection = em.getConnection();
    await connection.execute('update users set role = ? where id = ?', ['MEMBER', demoted.id]);
    await connection.execute('update apps set created_by_id = ? where id = ?', [automation.id, byAutomation]);
    await connection.execute('update apps set created_by_id = ? where id = ?', ['usr_gone', byNobody]);
    // The table as it was before the migration, then the migration.
    await connection.execute('alter table apps drop column role');
    const migration = new AppsRoleMigration(orm.em.getDriver() as ConstructorParameters<typeof AppsRoleMigration>[0], orm.config);
    await migration.up();
    for (const query of migration.getQueries()) await connection.execute(typeof query === 'string' ? query : query.toString());
    const roles = Object.fromEntries(
      (await orm.em.fork().find(App, { id: { $in: [byAdmin, byDeveloper, byDemoted, byAutomation, byNobody] } })).map((app) => [app.id, app.role]),
    );
    expect(roles).toEqual({
      [byAdmin]: 'AUTOMATION_ADMIN',
      [byDeveloper]: 'DEVELOPER',
      [byDemoted]: 'MEMBER',
      [byAutomation]: 'AUTOMATION_ADMIN',
      [byNobody]: 'MEMBER',
    });
  });

  describe('bad input', () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ['an empty name', { name: '' }, 'input.name'],
      ['a name padded with spaces', { name: ' padded ' }, 'input.name'],
      ['an overlong description', { name: 'ok', description: 'x'.repeat(1001) }, 'input.description'],
      ['a lifetime under a minute', { name: 'ok', accessTokenLifetimeSeconds: 59 }, 'input.accessTokenLifetimeSeconds'],
      ['a lifetime over a day', { name: 'ok', accessTokenLifetimeSeconds: 86_401 }, 'input.accessTokenLifetimeSeconds'],
      ['the ADMIN role (no app is ever an administrator)', { name: 'ok', role: 'ADMIN' }, 'input.role'],
    ];

    it.each(cases)('should refuse %s with BAD_USER_INPUT naming the field and write nothing', async (_what, input, field) => {
      const before = dataOf(await tessera.gql(AppsDocument, { first: 1 })).apps.totalCount;
      const response = await tessera.gql(CreateAppDocument, { input: input as never });
      expect(errorCodeOf(response)).toBe('BAD_USER_INPUT');
      expect(response.errors?.[0]?.extensions?.field).toBe(field);
      expect(dataOf(await tessera.gql(AppsDocument, { first: 1 })).apps.totalCount).toBe(before);
    });

    it('should refuse a negative or overlong rotation grace and an unknown id', async () => {
      const { app } = await newApp();
      const negative = await tessera.gql(RotateAppSecretDocument, { id: app.id, graceSeconds: -1 });
      expect(errorCodeOf(negative)).toBe('BAD_USER_INPUT');
      expect(negative.errors?.[0]?.extensions?.field).toBe('graceSeconds');
      expect(errorCodeOf(await tessera.gql(RotateAppSecretDocument, { id: app.id, graceSeconds: 8 * 86_400 }))).toBe('BAD_USER_INPUT');
      expect(errorCodeOf(await tessera.gql(DisableAppDocument, { id: 'app_nothing' }))).toBe('NOT_FOUND');
      expect(errorCodeOf(await tessera.gql(AppsDocument, { after: 'garbage' }))).toBe('BAD_USER_INPUT');
    });
  });
});
