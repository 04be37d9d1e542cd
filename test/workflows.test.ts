import { DAY, HOUR } from '../src/core/clock';
import {
  AuditLogDocument,
  DeleteWorkflowTokenDocument,
  OnTokenEventsDocument,
  PublishWorkflowDocument,
  RefreshWorkflowTokenDocument,
  RegenerateWorkflowTokenDocument,
  RevokeWorkflowTokenDocument,
  TokenEventsHistoryDocument,
  ViewerDocument,
  WorkflowApiEndpointDocument,
  WorkflowDocument,
  WorkflowInstancesDocument,
  WorkflowsDocument,
  WorkflowTokensDocument,
  WorkflowTokensRevealedDocument,
} from './generated/graphql';
import { BACKENDS, dataOf, errorCodeOf, startTessera, type TestInstance } from './harness/tessera';
import { newUser, publish, startWorkflow, workflowName } from './workflows-helpers';

describe.each(BACKENDS)('workflow tokens on %s', (backend) => {
  let tessera: TestInstance;
  const statements: string[] = [];
  let recording = false;

  beforeAll(async () => {
    tessera = await startTessera({ backend, onQuery: (sql) => recording && statements.push(sql) });
  });

  afterAll(async () => {
    await tessera.close();
  });

  /** Runs `body` with the clock moved forward by `ms`, then moves it back. */
  async function later<T>(ms: number, body: () => Promise<T>): Promise<T> {
    tessera.clock.advance(ms);
    try {
      return await body();
    } finally {
      tessera.clock.advance(-ms);
    }
  }

  it('should create the token when a COMPONENT workflow is published, show its value once and give it a year', async () => {
    const admin = dataOf(await tessera.gql(ViewerDocument, {})).viewer;
    const { workflow, token, secret } = await publish(tessera);
    expect(secret).toMatch(/^tsw_[0-9A-Za-z]{46}$/);
    expect(token).toMatchObject({
      kind: 'WORKFLOW',
      status: 'ACTIVE',
      workflowId: workflow.id,
      name: workflow.name,
      createdById: admin.id,
      start: secret?.slice(0, 8),
    });
    expect(token?.id).toMatch(/^wft_/);
    expect(workflow.id).toMatch(/^wfl_/);
    expect(new Date(token?.expiresAt as string).getTime() - new Date(token?.createdAt as string).getTime()).toBe(365 * DAY);
    expect(await startWorkflow(tessera, workflow.id, { header: secret as string, body: {} })).toMatchObject({ status: 201 });

    const listed = await tessera.raw({
      query:
        '{ workflowTokens(first: 100) { edges { node { id start apiEndpoint { token curl urlWithToken } } } } workflows(first: 100) { edges { node { id token { id start } } } } }',
    });
    expect(JSON.stringify(listed.body)).toContain(token?.id);
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    expect(tessera.logs.join('\n')).not.toContain(secret);
  });

  it('should keep the current token when a workflow is republished under its name', async () => {
    const first = await publish(tessera);
    const again = dataOf(
      await tessera.gql(PublishWorkflowDocument, { input: { name: first.workflow.name, startEvent: 'COMPONENT', requestSchema: { type: 'object' } } }),
    ).publishWorkflow;
    expect(again.workflow.id).toBe(first.workflow.id);
    expect(again.workflow.requestSchema).toEqual({ type: 'object' });
    expect(again.token?.id).toBe(first.token?.id);
    expect(again.secret).toBeNull();
    expect(await startWorkflow(tessera, first.workflow.id, { header: first.secret as string, body: {} })).toMatchObject({ status: 201 });
  });

  it('should give a STANDARD workflow no token, and take the token away when a COMPONENT one is republished as STANDARD', async () => {
    const standard = await publish(tessera, { startEvent: 'STANDARD' });
    expect(standard.token).toBeNull();
    expect(standard.secret).toBeNull();

    const component = await publish(tessera);
    const demoted = await publish(tessera, { name: component.workflow.name, startEvent: 'STANDARD' });
    expect(demoted.token).toBeNull();
    expect((await startWorkflow(tessera, component.workflow.id, { header: component.secret as string, body: {} })).body.error?.reason).toBe('UNKNOWN');
  });

  it('should refresh the token with a full new term from now and keep its value', async () => {
    const { workflow, secret } = await publish(tessera);
    await later(100 * DAY, async () => {
      const refreshed = dataOf(await tessera.gql(RefreshWorkflowTokenDocument, { workflowId: workflow.id })).refreshWorkflowToken;
      expect(new Date(refreshed.expiresAt as string).getTime()).toBe(tessera.clock.now().getTime() + 365 * DAY);
      expect(refreshed.start).toBe(secret?.slice(0, 8));
    });
    // 300 days after publishing: past the first term, inside the refreshed one.
    await later(300 * DAY, async () => {
      expect(await startWorkflow(tessera, workflow.id, { header: secret as string, body: {} })).toMatchObject({ status: 201 });
    });
  });

  it('should stop the token at once when revoked, and refuse to revoke or refresh it again', async () => {
    const { workflow, secret } = await publish(tessera);
    expect(await startWorkflow(tessera, workflow.id, { header: secret as string, body: {} })).toMatchObject({ status: 201 });
    const revoked = dataOf(await tessera.gql(RevokeWorkflowTokenDocument, { workflowId: workflow.id })).revokeWorkflowToken;
    expect(revoked.status).toBe('REVOKED');
    const refused = await startWorkflow(tessera, workflow.id, { header: secret as string, body: {} });
    expect(refused.status).toBe(401);
    expect(refused.body.error).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'REVOKED' });
    expect(errorCodeOf(await tessera.gql(RevokeWorkflowTokenDocument, { workflowId: workflow.id }))).toBe('CONFLICT');
    const refresh = await tessera.gql(RefreshWorkflowTokenDocument, { workflowId: workflow.id });
    expect(errorCodeOf(refresh)).toBe('CONFLICT');
    expect(refresh.errors?.[0]?.extensions?.reason).toBe('TOKEN_REVOKED');
  });

  it('should keep the previous value working inside the 24-hour grace after a regeneration, and refuse it after', async () => {
    const { workflow, secret: old } = await publish(tessera);
    const regenerated = dataOf(await tessera.gql(RegenerateWorkflowTokenDocument, { workflowId: workflow.id })).regenerateWorkflowToken;
    expect(regenerated.secret).not.toBe(old);
    expect(regenerated.token.start).toBe(regenerated.secret.slice(0, 8));
    expect(new Date(regenerated.graceEndsAt as string).getTime()).toBe(tessera.clock.now().getTime() + 24 * HOUR);
    expect(await startWorkflow(tessera, workflow.id, { header: old as string, body: {} })).toMatchObject({ status: 201 });
    expect(await startWorkflow(tessera, workflow.id, { header: regenerated.secret, body: {} })).toMatchObject({ status: 201 });
    await later(23 * HOUR, async () => {
      expect(await startWorkflow(tessera, workflow.id, { header: old as string, body: {} })).toMatchObject({ status: 201 });
    });
    await later(24 * HOUR + 1000, async () => {
      const refused = await startWorkflow(tessera, workflow.id, { header: old as string, body: {} });
      expect(refused.status).toBe(401);
      expect(refused.body.error?.reason).toBe('EXPIRED');
      expect(await startWorkflow(tessera, workflow.id, { header: regenerated.secret, body: {} })).toMatchObject({ status: 201 });
    });
  });

  it('should stop the previous value too when the token is revoked inside the grace', async () => {
    const { workflow, secret: old } = await publish(tessera);
    dataOf(await tessera.gql(RegenerateWorkflowTokenDocument, { workflowId: workflow.id }));
    expect(await startWorkflow(tessera, workflow.id, { header: old as string, body: {} })).toMatchObject({ status: 201 });
    dataOf(await tessera.gql(RevokeWorkflowTokenDocument, { workflowId: workflow.id }));
    expect((await startWorkflow(tessera, workflow.id, { header: old as string, body: {} })).body.error?.reason).toBe('REVOKED');
  });

  it('should make a revoked workflow startable again when regenerated, with no grace for the revoked value', async () => {
    const { workflow, secret: old } = await publish(tessera);
    dataOf(await tessera.gql(RevokeWorkflowTokenDocument, { workflowId: workflow.id }));
    const regenerated = dataOf(await tessera.gql(RegenerateWorkflowTokenDocument, { workflowId: workflow.id })).regenerateWorkflowToken;
    expect(regenerated.graceEndsAt).toBeNull();
    expect(regenerated.token).toMatchObject({ status: 'ACTIVE', revokedAt: null });
    expect(await startWorkflow(tessera, workflow.id, { header: regenerated.secret, body: {} })).toMatchObject({ status: 201 });
    expect((await startWorkflow(tessera, workflow.id, { header: old as string, body: {} })).status).toBe(401);
  });

  it('should report an expired token EXPIRED, refuse to refresh it, and revive the workflow when regenerated', async () => {
    const { workflow, secret: old } = await publish(tessera);
    await later(366 * DAY, async () => {
      const refused = await startWorkflow(tessera, workflow.id, { header: old as string, body: {} });
      expect(refused.body.error?.reason).toBe('EXPIRED');
      expect(dataOf(await tessera.gql(WorkflowDocument, { id: workflow.id })).workflow.token?.status).toBe('EXPIRED');
      const expired = dataOf(await tessera.gql(WorkflowTokensDocument, { first: 100, filter: { status: 'EXPIRED' } })).workflowTokens;
      expect(expired.edges.map((edge) => edge.node.workflowId)).toContain(workflow.id);
      expect(errorCodeOf(await tessera.gql(RefreshWorkflowTokenDocument, { workflowId: workflow.id }))).toBe('CONFLICT');
      const regenerated = dataOf(await tessera.gql(RegenerateWorkflowTokenDocument, { workflowId: workflow.id })).regenerateWorkflowToken;
      expect(regenerated.graceEndsAt).toBeNull();
      expect(regenerated.token.status).toBe('ACTIVE');
      expect(await startWorkflow(tessera, workflow.id, { header: regenerated.secret, body: {} })).toMatchObject({ status: 201 });
      expect((await startWorkflow(tessera, workflow.id, { header: old as string, body: {} })).status).toBe(401);
    });
  });

  it('should make the workflow unstartable once its token is deleted, until it is regenerated or republished', async () => {
    const { workflow, token, secret } = await publish(tessera);
    const deleted = dataOf(await tessera.gql(DeleteWorkflowTokenDocument, { workflowId: workflow.id })).deleteWorkflowToken;
    expect(deleted.id).toBe(token?.id);
    expect((await startWorkflow(tessera, workflow.id, { header: secret as string, body: {} })).body.error?.reason).toBe('UNKNOWN');
    expect(dataOf(await tessera.gql(WorkflowDocument, { id: workflow.id })).workflow.token).toBeNull();
    expect(errorCodeOf(await tessera.gql(DeleteWorkflowTokenDocument, { workflowId: workflow.id }))).toBe('NOT_FOUND');
    expect(errorCodeOf(await tessera.gql(RefreshWorkflowTokenDocument, { workflowId: workflow.id }))).toBe('NOT_FOUND');

    const regenerated = dataOf(await tessera.gql(RegenerateWorkflowTokenDocument, { workflowId: workflow.id })).regenerateWorkflowToken;
    expect(regenerated.token.id).not.toBe(token?.id);
    expect(await startWorkflow(tessera, workflow.id, { header: regenerated.secret, body: {} })).toMatchObject({ status: 201 });

    dataOf(await tessera.gql(DeleteWorkflowTokenDocument, { workflowId: workflow.id }));
    const republished = await publish(tessera, { name: workflow.name });
    expect(republished.workflow.id).toBe(workflow.id);
    expect(republished.secret).toMatch(/^tsw_/);
    expect(await startWorkflow(tessera, workflow.id, { header: republished.secret as string, body: {} })).toMatchObject({ status: 201 });
  });

  it('should list only the current token of each workflow, filtered by status', async () => {
    const a = await publish(tessera);
    const b = await publish(tessera);
    dataOf(await tessera.gql(RegenerateWorkflowTokenDocument, { workflowId: a.workflow.id }));
    dataOf(await tessera.gql(RevokeWorkflowTokenDocument, { workflowId: b.workflow.id }));
    dataOf(await tessera.gql(DeleteWorkflowTokenDocument, { workflowId: b.workflow.id }));
    const b2 = await publish(tessera, { name: b.workflow.name });
    dataOf(await tessera.gql(RevokeWorkflowTokenDocument, { workflowId: b.workflow.id }));

    const all = dataOf(await tessera.gql(WorkflowTokensDocument, { first: 100 })).workflowTokens;
    const perWorkflow = all.edges.filter((edge) => [a.workflow.id, b.workflow.id].includes(edge.node.workflowId)).map((edge) => edge.node.id);
    expect(perWorkflow.sort()).toEqual([a.token?.id, b2.token?.id].sort());
    expect(all.edges.find((edge) => edge.node.id === a.token?.id)?.node.workflow).toEqual({ id: a.workflow.id, name: a.workflow.name });

    const ids = async (status: 'ACTIVE' | 'EXPIRING' | 'REVOKED') =>
      dataOf(await tessera.gql(WorkflowTokensDocument, { first: 100, filter: { status } })).workflowTokens.edges.map((edge) => edge.node.id);
    expect(await ids('REVOKED')).toContain(b2.token?.id);
    expect(await ids('REVOKED')).not.toContain(a.token?.id);
    expect(await ids('ACTIVE')).toContain(a.token?.id);
    expect(await ids('EXPIRING')).not.toContain(a.token?.id);
    await later(340 * DAY, async () => {
      expect(await ids('EXPIRING')).toContain(a.token?.id);
      expect(await ids('ACTIVE')).not.toContain(a.token?.id);
    });
  });

  it('should push REFRESHED, REGENERATED with its grace end, REVOKED and DELETED notices to a subscriber, and audit each', async () => {
    const { workflow, token } = await publish(tessera);
    const history = dataOf(await tessera.gql(TokenEventsHistoryDocument, { first: 10, filter: { workflowIds: [workflow.id] } })).tokenEvents;
    expect(history.edges.map((edge) => edge.node.type)).toEqual(['CREATED']);
    const client = tessera.ws();
    const notices = client.subscribe(OnTokenEventsDocument, { filter: { workflowIds: [workflow.id] }, after: history.edges[0].node.id });

    dataOf(await tessera.gql(RefreshWorkflowTokenDocument, { workflowId: workflow.id }));
    const { secret } = dataOf(await tessera.gql(RegenerateWorkflowTokenDocument, { workflowId: workflow.id })).regenerateWorkflowToken;
    dataOf(await tessera.gql(RevokeWorkflowTokenDocument, { workflowId: workflow.id }));
    dataOf(await tessera.gql(DeleteWorkflowTokenDocument, { workflowId: workflow.id }));

    const received = [await notices.value(), await notices.value(), await notices.value(), await notices.value()].map((value) => value.tokenEvents);
    expect(received.map((event) => event.type)).toEqual(['REFRESHED', 'REGENERATED', 'REVOKED', 'DELETED']);
    for (const event of received) expect(event.token).toMatchObject({ tokenId: token?.id, kind: 'WORKFLOW', subjectType: 'workflow', subjectId: workflow.id });
    expect(new Date(received[1].graceEndsAt as string).getTime()).toBe(tessera.clock.now().getTime() + 24 * HOUR);
    expect(received[0].graceEndsAt).toBeNull();
    expect(received[2].token.status).toBe('REVOKED');
    expect(JSON.stringify(received)).not.toContain(secret);
    notices.unsubscribe();

    const log = dataOf(await tessera.gql(AuditLogDocument, { first: 100, targetId: token?.id })).auditLog;
    expect(log.edges.map((edge) => edge.node.action)).toEqual([
      'workflow_token.deleted',
      'workflow_token.revoked',
      'workflow_token.regenerated',
      'workflow_token.refreshed',
      'workflow_token.created',
    ]);
    const published = dataOf(await tessera.gql(AuditLogDocument, { first: 10, targetId: workflow.id })).auditLog;
    expect(published.edges.map((edge) => edge.node.action)).toEqual(['workflow.published']);
  });

  it('should reveal the value in the API endpoint view to administrators, audited, and never inside a list', async () => {
    const { workflow, token, secret } = await publish(tessera, {
      requestSchema: {
        type: 'object',
        required: ['orderId'],
        properties: { orderId: { type: 'string', examples: ['A-17'] }, quantity: { type: 'integer', minimum: 1 } },
      },
    });
    const hidden = dataOf(await tessera.gql(WorkflowApiEndpointDocument, { id: workflow.id })).workflow.token?.apiEndpoint;
    expect(hidden?.token).toBeNull();
    expect(hidden?.url).toMatch(new RegExp(`/api/workflows/${workflow.id}/instances$`));
    expect(hidden?.curl).toContain('X-Tessera-Token: <workflow-token>');
    expect(JSON.stringify(hidden)).not.toContain(secret);
    expect(JSON.parse(hidden?.requestBody as string)).toEqual({ orderId: 'A-17', quantity: 1 });

    const shown = dataOf(await tessera.gql(WorkflowApiEndpointDocument, { id: workflow.id, reveal: true })).workflow.token?.apiEndpoint;
    expect(shown?.token).toBe(secret);
    expect(shown?.requestHeaders).toEqual([
      { name: 'Content-Type', value: 'application/json' },
      { name: 'X-Tessera-Token', value: secret },
    ]);
    expect(shown?.curl).toContain(`X-Tessera-Token: ${secret}`);
    expect(shown?.curl).toContain(`-d '{"orderId":"A-17","quantity":1}'`);
    // The URL with the token works as printed (on this instance's address).
    const withToken = new URL(shown?.urlWithToken as string);
    expect(withToken.searchParams.get('token')).toBe(secret);
    const started = await startWorkflow(tessera, workflow.id, { query: withToken.searchParams.get('token') as string, raw: shown?.requestBody as string });
    expect(started.status).toBe(201);

    const log = dataOf(await tessera.gql(AuditLogDocument, { first: 10, action: 'workflow_token.revealed', targetId: token?.id })).auditLog;
    expect(log.totalCount).toBe(1);
    const inList = await tessera.gql(WorkflowTokensRevealedDocument, {});
    expect(errorCodeOf(inList)).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(inList)).not.toContain(secret);
  });

  it('should let an automation administrator do everything on the page', async () => {
    const automation = await newUser(tessera, 'AUTOMATION_ADMIN');
    const { workflow } = await publish(tessera, {}, automation.token);
    dataOf(await tessera.gql(RefreshWorkflowTokenDocument, { workflowId: workflow.id }, automation.token));
    const { secret } = dataOf(await tessera.gql(RegenerateWorkflowTokenDocument, { workflowId: workflow.id }, automation.token)).regenerateWorkflowToken;
    expect(dataOf(await tessera.gql(WorkflowApiEndpointDocument, { id: workflow.id, reveal: true }, automation.token)).workflow.token?.apiEndpoint?.token).toBe(
      secret,
    );
    dataOf(await tessera.gql(WorkflowsDocument, { first: 5 }, automation.token));
    dataOf(await tessera.gql(WorkflowTokensDocument, { first: 5 }, automation.token));
    dataOf(await tessera.gql(WorkflowInstancesDocument, { workflowId: workflow.id }, automation.token));
    dataOf(await tessera.gql(RevokeWorkflowTokenDocument, { workflowId: workflow.id }, automation.token));
    dataOf(await tessera.gql(DeleteWorkflowTokenDocument, { workflowId: workflow.id }, automation.token));
  });

  it.each(['DEVELOPER', 'MEMBER'] as const)('should refuse a %s every query and mutation on the page with FORBIDDEN and change nothing', async (role) => {
    const user = await newUser(tessera, role);
    const { workflow, token } = await publish(tessera);
    const attempts = [
      tessera.gql(PublishWorkflowDocument, { input: { name: workflowName('nope'), startEvent: 'COMPONENT' } }, user.token),
      tessera.gql(WorkflowsDocument, { first: 5 }, user.token),
      tessera.gql(WorkflowDocument, { id: workflow.id }, user.token),
      tessera.gql(WorkflowTokensDocument, { first: 5 }, user.token),
      tessera.gql(WorkflowInstancesDocument, { workflowId: workflow.id }, user.token),
      tessera.gql(RefreshWorkflowTokenDocument, { workflowId: workflow.id }, user.token),
      tessera.gql(RevokeWorkflowTokenDocument, { workflowId: workflow.id }, user.token),
      tessera.gql(RegenerateWorkflowTokenDocument, { workflowId: workflow.id }, user.token),
      tessera.gql(DeleteWorkflowTokenDocument, { workflowId: workflow.id }, user.token),
    ];
    for (const response of await Promise.all(attempts)) expect(errorCodeOf(response)).toBe('FORBIDDEN');
    const after = dataOf(await tessera.gql(WorkflowDocument, { id: workflow.id })).workflow.token;
    expect(after).toMatchObject({ id: token?.id, status: 'ACTIVE', start: token?.start });
  });

  it("should answer NOT_FOUND for another tenant's workflow and never list it", async () => {
    const other = await tessera.server.services.users.createTenantWithAdmin({
      tenantName: 'Other',
      adminEmail: `other-${Date.now()}@example.com`,
      adminName: 'Other admin',
    });
    const { workflow, token } = await publish(tessera);
    const attempts = [
      tessera.gql(WorkflowDocument, { id: workflow.id }, other.secret),
      tessera.gql(WorkflowInstancesDocument, { workflowId: workflow.id }, other.secret),
      tessera.gql(RefreshWorkflowTokenDocument, { workflowId: workflow.id }, other.secret),
      tessera.gql(RevokeWorkflowTokenDocument, { workflowId: workflow.id }, other.secret),
      tessera.gql(RegenerateWorkflowTokenDocument, { workflowId: workflow.id }, other.secret),
      tessera.gql(DeleteWorkflowTokenDocument, { workflowId: workflow.id }, other.secret),
    ];
    for (const response of await Promise.all(attempts)) expect(errorCodeOf(response)).toBe('NOT_FOUND');
    const theirs = await tessera.raw(
      { query: '{ workflows(first: 100) { edges { node { id } } } workflowTokens(first: 100) { edges { node { id } } } }' },
      { authorization: `Bearer ${other.secret}` },
    );
    expect(JSON.stringify(theirs.body)).not.toContain(workflow.id);
    expect(JSON.stringify(theirs.body)).not.toContain(token?.id);
    // The same name is free in their tenant.
    const same = await publish(tessera, { name: workflow.name }, other.secret);
    expect(same.workflow.id).not.toBe(workflow.id);
    const started = await startWorkflow(tessera, workflow.id, { bearer: other.secret, body: {} });
    expect(started.status).toBe(404);
  });

  it('should read nested tokens of a workflow list in one statement whatever the page size', async () => {
    for (let i = 0; i < 4; i += 1) await publish(tessera);
    const count = async (first: number) => {
      statements.length = 0;
      recording = true;
      try {
        const page = dataOf(await tessera.gql(WorkflowsDocument, { first })).workflows;
        expect(page.edges).toHaveLength(first);
        expect(page.edges.every((edge) => edge.node.token?.id)).toBe(true);
        expect(page.edges[0].node.createdBy?.id).toBe(dataOf(await tessera.gql(ViewerDocument, {})).viewer.id);
      } finally {
        recording = false;
      }
      return statements.filter((sql) => /from [`"]?(tokens|workflows|users)[`"]?/i.test(sql)).length;
    };
    expect(await count(4)).toBe(await count(1));
  });

  describe('bad input', () => {
    it.each([
      ['an empty name', { name: '' }, 'input.name'],
      ['a name padded with spaces', { name: ' padded ' }, 'input.name'],
      ['a request schema that is not JSON Schema', { requestSchema: { type: 'no-such-type' } }, 'input.requestSchema'],
      ['a request schema with an unknown keyword', { requestSchema: { type: 'object', propertiez: {} } }, 'input.requestSchema'],
    ])('should refuse %s with BAD_USER_INPUT naming the field and publish nothing', async (_what, input, field) => {
      const before = dataOf(await tessera.gql(WorkflowsDocument, { first: 1 })).workflows.totalCount;
      const response = await tessera.gql(PublishWorkflowDocument, { input: { name: workflowName('bad'), startEvent: 'COMPONENT', ...input } });
      expect(errorCodeOf(response)).toBe('BAD_USER_INPUT');
      expect(response.errors?.[0]?.extensions?.field).toBe(field);
      expect(dataOf(await tessera.gql(WorkflowsDocument, { first: 1 })).workflows.totalCount).toBe(before);
    });

    it('should answer NOT_FOUND for an unknown workflow and BAD_USER_INPUT for a bad start event', async () => {
      expect(errorCodeOf(await tessera.gql(WorkflowDocument, { id: 'wfl_nope' }))).toBe('NOT_FOUND');
      expect(errorCodeOf(await tessera.gql(RegenerateWorkflowTokenDocument, { workflowId: 'wfl_nope' }))).toBe('NOT_FOUND');
      expect(errorCodeOf(await tessera.gql(PublishWorkflowDocument, { input: { name: 'x', startEvent: 'TIMER' as never } }))).toBe('BAD_USER_INPUT');
    });
  });
});
