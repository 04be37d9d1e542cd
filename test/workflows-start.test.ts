import { generateToken } from '../src/core/secrets';
import { CreatePatDocument, WorkflowInstancesDocument, WorkflowTokensDocument } from './generated/graphql';
import { BACKENDS, dataOf, eventually, startTessera, type TestInstance } from './harness/tessera';
import { newUser, publish, startWorkflow } from './workflows-helpers';

describe.each(BACKENDS)('starting workflows from outside on %s', (backend) => {
  let tessera: TestInstance;

  beforeAll(async () => {
    tessera = await startTessera({ backend });
  });

  afterAll(async () => {
    await tessera.close();
  });

  async function instancesOf(workflowId: string) {
    return dataOf(await tessera.gql(WorkflowInstancesDocument, { workflowId, first: 100 })).workflowInstances;
  }

  it('should start with the token in X-Tessera-Token and record the instance with its body and token', async () => {
    const { workflow, token, secret } = await publish(tessera);
    const started = await startWorkflow(tessera, workflow.id, { header: secret as string, body: { orderId: 'A-1', lines: [1, 2] } });
    expect(started.status).toBe(201);
    expect(started.body).toEqual({ id: expect.stringMatching(/^wfi_/), workflowId: workflow.id });
    const instances = await instancesOf(workflow.id);
    expect(instances.totalCount).toBe(1);
    expect(instances.edges[0].node).toMatchObject({
      id: started.body.id,
      workflowId: workflow.id,
      tokenId: token?.id,
      startedByType: 'workflow_token',
      startedById: null,
      body: { orderId: 'A-1', lines: [1, 2] },
    });
    expect(tessera.logs.join('\n')).not.toContain(secret);
  });

  it('should start with the token in ?token= and with no body at all', async () => {
    const { workflow, secret } = await publish(tessera);
    const started = await startWorkflow(tessera, workflow.id, { query: secret as string });
    expect(started.status).toBe(201);
    expect((await instancesOf(workflow.id)).edges[0].node.body).toEqual({});
  });

  it('should stamp the token as last used', async () => {
    const { workflow, token, secret } = await publish(tessera);
    expect(token?.lastUsedAt).toBeNull();
    await startWorkflow(tessera, workflow.id, { header: secret as string, body: {} });
    await eventually(
      async () => {
        const listed = dataOf(await tessera.gql(WorkflowTokensDocument, { first: 100 })).workflowTokens;
        return listed.edges.find((edge) => edge.node.id === token?.id && edge.node.lastUsedAt) ? true : undefined;
      },
      5000,
      'lastUsedAt written',
    );
  });

  it('should let a DEVELOPER start a workflow with a personal access token, and refuse a MEMBER with 403', async () => {
    const { workflow } = await publish(tessera);
    const developer = await newUser(tessera, 'DEVELOPER');
    const pat = dataOf(await tessera.gql(CreatePatDocument, { input: { name: 'starter' } }, developer.token)).createPersonalAccessToken;
    const started = await startWorkflow(tessera, workflow.id, { bearer: pat.secret, body: { from: 'ci' } });
    expect(started.status).toBe(201);
    const instance = (await instancesOf(workflow.id)).edges[0].node;
    expect(instance).toMatchObject({ tokenId: pat.token.id, startedByType: 'user', startedById: developer.id });

    const member = await newUser(tessera, 'MEMBER');
    const refused = await startWorkflow(tessera, workflow.id, { bearer: member.token, body: {} });
    expect(refused.status).toBe(403);
    expect(refused.body.error?.code).toBe('FORBIDDEN');
    expect((await instancesOf(workflow.id)).totalCount).toBe(1);
  });

  it("should answer 401 saying only why: missing, malformed, or unknown (any token not this workflow's)", async () => {
    const { workflow, secret } = await publish(tessera);
    const other = await publish(tessera);
    const cases: [Parameters<typeof startWorkflow>[2], string][] = [
      [{ body: {} }, 'MISSING'],
      [{ header: generateToken('tsw').value, body: {} }, 'UNKNOWN'],
      [{ header: 'not-a-token', body: {} }, 'UNKNOWN'],
      [{ header: 'tsw_broken', body: {} }, 'MALFORMED'],
      [{ header: other.secret as string, body: {} }, 'UNKNOWN'],
      [{ bearer: secret as string, body: {} }, 'UNKNOWN'],
    ];
    for (const [options, reason] of cases) {
      const refused = await startWorkflow(tessera, workflow.id, options);
      expect(refused.status).toBe(401);
      expect(refused.body).toEqual({ error: { code: 'UNAUTHENTICATED', message: expect.any(String), reason } });
      expect(JSON.stringify(refused.body)).not.toMatch(/wft_|wfl_|ten_|usr_|tsw_/);
    }
    expect((await instancesOf(workflow.id)).totalCount).toBe(0);
    expect((await instancesOf(other.workflow.id)).totalCount).toBe(0);
  });

  it('should check the body against the request schema and answer 400 with a clear message, recording nothing', async () => {
    const { workflow, secret } = await publish(tessera, {
      requestSchema: {
        type: 'object',
        required: ['orderId'],
        properties: { orderId: { type: 'string' }, quantity: { type: 'integer', minimum: 1 } },
        additionalProperties: false,
      },
    });
    const header = secret as string;
    const missing = await startWorkflow(tessera, workflow.id, { header, body: { quantity: 2 } });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ code: 'BAD_USER_INPUT', field: 'body' });
    expect(missing.body.error?.message).toContain("must have required property 'orderId'");
    const wrongType = await startWorkflow(tessera, workflow.id, { header, body: { orderId: 'A', quantity: 0 } });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.error?.message).toContain('body/quantity must be >= 1');
    expect((await startWorkflow(tessera, workflow.id, { header, body: [1, 2] })).status).toBe(400);
    expect((await startWorkflow(tessera, workflow.id, { header, raw: '{"orderId": ' })).status).toBe(400);
    expect((await startWorkflow(tessera, workflow.id, { header, raw: 'orderId=A', contentType: 'text/plain' })).status).toBe(400);
    expect((await instancesOf(workflow.id)).totalCount).toBe(0);
    expect((await startWorkflow(tessera, workflow.id, { header, body: { orderId: 'A', quantity: 3 } })).status).toBe(201);
  });

  it('should answer 404 for an unknown workflow and 409 for a STANDARD one', async () => {
    expect((await startWorkflow(tessera, 'wfl_unknown', { bearer: tessera.adminToken, body: {} })).status).toBe(404);
    const standard = await publish(tessera, { startEvent: 'STANDARD' });
    const refused = await startWorkflow(tessera, standard.workflow.id, { bearer: tessera.adminToken, body: {} });
    expect(refused.status).toBe(409);
    expect(refused.body.error?.reason).toBe('NOT_A_COMPONENT');
  });

  it('should page through instances with cursors', async () => {
    const { workflow, secret } = await publish(tessera);
    for (let i = 0; i < 3; i += 1) await startWorkflow(tessera, workflow.id, { header: secret as string, body: { i } });
    const first = dataOf(await tessera.gql(WorkflowInstancesDocument, { workflowId: workflow.id, first: 2 })).workflowInstances;
    expect(first.totalCount).toBe(3);
    expect(first.edges.map((edge) => edge.node.body)).toEqual([{ i: 2 }, { i: 1 }]);
    const second = dataOf(
      await tessera.gql(WorkflowInstancesDocument, { workflowId: workflow.id, first: 2, after: first.pageInfo.endCursor }),
    ).workflowInstances;
    expect(second.edges.map((edge) => edge.node.body)).toEqual([{ i: 0 }]);
    expect(second.pageInfo.hasNextPage).toBe(false);
  });
});
