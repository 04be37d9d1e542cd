import { Role } from '../../src/core/tokens/token-kind';
import { systemActor } from '../../src/core/actor';
import type { CoreDeps } from '../../src/deps';
import { User } from '../../src/modules/users';
import { BACKENDS, startTessera, type GraphQLResponse, type TestInstance } from '../harness/tessera';
import { accessToken, must, newApp, newUser, post } from './security.helpers';

/**
 * Issue 15, "privilege through apps": an app never acts with more power than the person who made
 * it could, app management belongs to administrators and the app's own developer, and no app
 * token exports OAuth bundles. The access matrix covers every operation for an administrator's
 * app (APP) and a developer's app (DEV_APP); this suite drives the escalations the issue names.
 */
const code = (response: GraphQLResponse<unknown>): string | undefined => response.errors?.[0]?.extensions?.code;

const PUBLISH = 'mutation M($input: PublishWorkflowInput!) { publishWorkflow(input: $input) { workflow { id } token { id } secret } }';
const REVOKE_WORKFLOW_TOKEN = 'mutation M($id: ID!) { revokeWorkflowToken(workflowId: $id) { id status } }';
const REGENERATE_WORKFLOW_TOKEN = 'mutation M($id: ID!) { regenerateWorkflowToken(workflowId: $id) { secret } }';
const REVEAL_WORKFLOW_TOKEN = 'query M($id: ID!) { workflow(id: $id) { token { apiEndpoint(reveal: true) { token } } } }';
const EXPORT = 'mutation { exportOAuthBundle(passphrase: "a long enough passphrase") { bundle providerCount } }';
const VIEWER = '{ viewer { type role } }';
const WORKFLOWS = '{ workflows(first: 100) { edges { node { id } } } }';
const CREATE_APP = 'mutation M($input: CreateAppInput!) { createApp(input: $input) { app { id role createdById } secret } }';
const APP_COUNT = '{ apps(first: 1) { totalCount } }';

const MANAGE = {
  reveal: 'mutation M($id: ID!) { revealAppSecret(id: $id) }',
  rotate: 'mutation M($id: ID!) { rotateAppSecret(id: $id, graceSeconds: 3600) { secret } }',
  disable: 'mutation M($id: ID!) { disableApp(id: $id) { status } }',
  activate: 'mutation M($id: ID!) { activateApp(id: $id) { status } }',
  delete: 'mutation M($id: ID!) { deleteApp(id: $id) { id } }',
};

describe.each(BACKENDS)('privilege through apps on %s', (backend) => {
  let tessera: TestInstance;
  let developer: { id: string; token: string };
  let otherDeveloper: { id: string; token: string };
  let workflow: { id: string; secret: string };

  beforeAll(async () => {
    tessera = await startTessera({ backend });
    developer = await newUser(tessera, 'DEVELOPER');
    otherDeveloper = await newUser(tessera, 'DEVELOPER');
    const published = must(await post(tessera, PUBLISH, { input: { name: `flow ${backend}`, startEvent: 'COMPONENT' } }, tessera.adminToken)).publishWorkflow;
    workflow = { id: published.workflow.id, secret: published.secret };
  });

  afterAll(async () => {
    await tessera.close();
  });

  /** The instance's outbox (the sweep holds the core deps), to publish an eviction as a role change would. */
  function lifecycle(): CoreDeps['lifecycle'] {
    return (tessera.server.sweep as unknown as { deps: CoreDeps }).deps.lifecycle;
  }

  /** Changes a user's role in storage and evicts what verification cached of them, on every instance. */
  async function setRole(userId: string, role: Role | null): Promise<void> {
    const em = tessera.server.orm.em.fork();
    const user = await em.findOneOrFail(User, { id: userId });
    if (role) await em.nativeUpdate(User, { id: userId }, { role });
    else await em.nativeDelete(User, { id: userId });
    await lifecycle().run(systemActor(user.tenantId), async (tx) => tx.evict(userId));
  }

  it("should give a developer's app the DEVELOPER role and none of an automation administrator's powers", async () => {
    const app = await newApp(tessera, developer.token);
    const token = await accessToken(tessera, app);
    expect(must(await post(tessera, VIEWER, {}, token)).viewer).toEqual({ type: 'app', role: 'DEVELOPER' });
    expect(code(await post(tessera, EXPORT, {}, token))).toBe('FORBIDDEN');
    expect(code(await post(tessera, REVOKE_WORKFLOW_TOKEN, { id: workflow.id }, token))).toBe('FORBIDDEN');
    expect(code(await post(tessera, REGENERATE_WORKFLOW_TOKEN, { id: workflow.id }, token))).toBe('FORBIDDEN');
    const reveal = await post(tessera, REVEAL_WORKFLOW_TOKEN, { id: workflow.id }, token);
    expect(code(reveal)).toBe('FORBIDDEN');
    expect(JSON.stringify(reveal)).not.toContain(workflow.secret);
    expect(code(await post(tessera, WORKFLOWS, {}, token))).toBe('FORBIDDEN');
    // Nor what a developer may do only as a person: apps and personal access tokens.
    expect(code(await post(tessera, CREATE_APP, { input: { name: 'by an app' } }, token))).toBe('FORBIDDEN');
    expect(code(await post(tessera, APP_COUNT, {}, token))).toBe('FORBIDDEN');
    for (const document of Object.values(MANAGE)) expect(code(await post(tessera, document, { id: app.id }, token))).toBe('FORBIDDEN');
    expect(code(await post(tessera, 'mutation { createPersonalAccessToken(input: { name: "x" }) { secret } }', {}, token))).toBe('FORBIDDEN');
    // The workflow token it tried to revoke still works.
    const revoked = must(await post(tessera, '{ workflow(id: "' + workflow.id + '") { token { status } } }', {}, tessera.adminToken)).workflow.token.status;
    expect(revoked).toBe('ACTIVE');
  });

  it("should keep an administrator's app acting across the tenant as an automation administrator", async () => {
    const token = await accessToken(tessera, await newApp(tessera));
    expect(must(await post(tessera, VIEWER, {}, token)).viewer).toEqual({ type: 'app', role: 'AUTOMATION_ADMIN' });
    const own = must(await post(tessera, PUBLISH, { input: { name: `app flow ${backend}`, startEvent: 'COMPONENT' } }, token)).publishWorkflow;
    const listed = must(await post(tessera, WORKFLOWS, {}, token)).workflows.edges.map((edge: { node: { id: string } }) => edge.node.id);
    expect(listed).toEqual(expect.arrayContaining([workflow.id, own.workflow.id]));
    expect(must(await post(tessera, REVEAL_WORKFLOW_TOKEN, { id: own.workflow.id }, token)).workflow.token.apiEndpoint.token).toBe(own.secret);
    expect(must(await post(tessera, REVOKE_WORKFLOW_TOKEN, { id: own.workflow.id }, token)).revokeWorkflowToken.status).toBe('REVOKED');
  });

  it('should never let an app token export OAuth bundles, nor anyone but an administrator signed in as a person', async () => {
    const adminsApp = await accessToken(tessera, await newApp(tessera));
    expect(code(await post(tessera, EXPORT, {}, adminsApp))).toBe('FORBIDDEN');
    const automation = await newUser(tessera, 'AUTOMATION_ADMIN');
    expect(code(await post(tessera, EXPORT, {}, automation.token))).toBe('FORBIDDEN');
    expect(must(await post(tessera, EXPORT, {}, tessera.adminToken)).exportOAuthBundle.bundle).toEqual(expect.any(String));
  });

  it("should refuse a developer managing an administrator's or another developer's app, and let them manage their own", async () => {
    const adminsApp = await newApp(tessera);
    const theirs = await newApp(tessera, otherDeveloper.token);
    for (const target of [adminsApp, theirs]) {
      for (const [name, document] of Object.entries(MANAGE)) {
        const response = await post(tessera, document, { id: target.id }, developer.token);
        expect({ name, code: code(response) }).toEqual({ name, code: 'FORBIDDEN' });
      }
      // Nothing changed: the secret is the one it was made with, and it still gets tokens.
      expect(must(await post(tessera, MANAGE.reveal, { id: target.id }, tessera.adminToken)).revealAppSecret).toBe(target.secret);
      expect(await accessToken(tessera, target)).toMatch(/^tsa_/);
    }

    const mine = await newApp(tessera, developer.token);
    expect(must(await post(tessera, MANAGE.reveal, { id: mine.id }, developer.token)).revealAppSecret).toBe(mine.secret);
    const rotated = must(await post(tessera, MANAGE.rotate, { id: mine.id }, developer.token)).rotateAppSecret.secret;
    expect(rotated).not.toBe(mine.secret);
    expect(must(await post(tessera, MANAGE.disable, { id: mine.id }, developer.token)).disableApp.status).toBe('DISABLED');
    expect(must(await post(tessera, MANAGE.activate, { id: mine.id }, developer.token)).activateApp.status).toBe('ACTIVE');
    expect(must(await post(tessera, MANAGE.delete, { id: mine.id }, developer.token)).deleteApp.id).toBe(mine.id);
    // Administrators manage any app of the tenant.
    expect(must(await post(tessera, MANAGE.rotate, { id: theirs.id }, tessera.adminToken)).rotateAppSecret.secret).not.toBe(theirs.secret);
  });

  it('should refuse an app role above your own, or ADMIN, and create nothing', async () => {
    const before = must(await post(tessera, APP_COUNT, {}, tessera.adminToken)).apps.totalCount;
    for (const [token, role] of [
      [developer.token, 'AUTOMATION_ADMIN'],
      [developer.token, 'ADMIN'],
      [tessera.adminToken, 'ADMIN'],
    ] as const) {
      const response = await post(tessera, CREATE_APP, { input: { name: 'too high', role } }, token);
      expect({ role, code: code(response), field: response.errors?.[0]?.extensions?.field }).toEqual({ role, code: 'BAD_USER_INPUT', field: 'input.role' });
    }
    expect(must(await post(tessera, APP_COUNT, {}, tessera.adminToken)).apps.totalCount).toBe(before);

    const member = must(await post(tessera, CREATE_APP, { input: { name: 'low', role: 'MEMBER' } }, developer.token)).createApp;
    expect(member.app).toMatchObject({ role: 'MEMBER', createdById: developer.id });
    const listed = await post(
      tessera,
      '{ endpoints(first: 1) { totalCount } }',
      {},
      await accessToken(tessera, { clientId: (await clientIdOf(member.app.id)) as string, secret: member.secret }),
    );
    expect(code(listed)).toBe('FORBIDDEN');
    const chosen = must(await post(tessera, CREATE_APP, { input: { name: 'dev by admin', role: 'DEVELOPER' } }, tessera.adminToken)).createApp.app;
    expect(chosen.role).toBe('DEVELOPER');
  });

  it("should drop an app's power at once when its creator is demoted, and stop it when the creator is gone", async () => {
    const secondAdmin = await newUser(tessera, 'ADMIN');
    const app = await newApp(tessera, secondAdmin.token);
    const token = await accessToken(tessera, app);
    expect(must(await post(tessera, VIEWER, {}, token)).viewer.role).toBe('AUTOMATION_ADMIN');
    expect(code(await post(tessera, WORKFLOWS, {}, token))).toBeUndefined();

    await setRole(secondAdmin.id, Role.DEVELOPER);
    expect(must(await post(tessera, VIEWER, {}, token)).viewer.role).toBe('DEVELOPER');
    expect(code(await post(tessera, WORKFLOWS, {}, token))).toBe('FORBIDDEN');
    expect(code(await post(tessera, REVOKE_WORKFLOW_TOKEN, { id: workflow.id }, token))).toBe('FORBIDDEN');
    // Its stored role is unchanged: the cap is the creator's current role, read at authentication.
    expect(must(await post(tessera, 'query M($id: ID!) { app(id: $id) { role } }', { id: app.id }, tessera.adminToken)).app.role).toBe('AUTOMATION_ADMIN');

    await setRole(secondAdmin.id, Role.MEMBER);
    expect(must(await post(tessera, VIEWER, {}, token)).viewer.role).toBe('MEMBER');

    await setRole(secondAdmin.id, Role.ADMIN);
    expect(must(await post(tessera, VIEWER, {}, token)).viewer.role).toBe('AUTOMATION_ADMIN');

    await setRole(secondAdmin.id, null);
    expect(code(await post(tessera, VIEWER, {}, token))).toBe('UNAUTHENTICATED');
    // Nor does the app get new access tokens: the client is refused at /oauth/token.
    await expect(accessToken(tessera, app)).rejects.toThrow(/invalid_client/);
  });

  async function clientIdOf(appId: string): Promise<string> {
    return must(await post(tessera, 'query M($id: ID!) { app(id: $id) { clientId } }', { id: appId }, tessera.adminToken)).app.clientId;
  }
});
