import {
  AssignEndpointTokenDocument,
  CreateAppDocument,
  CreateEndpointDocument,
  CreateEndpointTokenDocument,
  CreatePatDocument,
  CreateUserDocument,
  DeactivateUserDocument,
  DisableAppDocument,
  GeneratePrimaryTokenDocument,
  PublishWorkflowDocument,
  RevokePatDocument,
  RevokeWorkflowTokenDocument,
  SetAssignmentEnabledDocument,
  SetEndpointTokenEnabledDocument,
  UnassignEndpointTokenDocument,
} from './generated/graphql';
import { dataOf, startSibling, startTessera, type TestInstance } from './harness/tessera';

/**
 * The propagation rule for every kind of token: a change that invalidates a token on instance A
 * makes instance B refuse it as soon as A's mutation has returned, although B had just accepted
 * it (and cached that answer).
 */
describe('revocation reaches every instance before the mutation returns, for every kind', () => {
  let a: TestInstance;
  let b: TestInstance;

  beforeAll(async () => {
    a = await startTessera({ backend: 'postgres' });
    b = await startSibling(a, { backend: 'postgres' });
  });

  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
  });

  async function verifyOnB(token: string, where: { endpointId?: string; method?: string } = {}): Promise<{ valid: boolean; reason: string | null }> {
    const response = await fetch(`${b.url}/v1/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${b.adminToken}` },
      body: JSON.stringify({ token, ...where }),
    });
    return (await response.json()) as { valid: boolean; reason: string | null };
  }

  /** B accepts (and caches), A changes, B refuses at once. */
  async function expectCutOnB(token: string, change: () => Promise<unknown>, reason: string, where: { endpointId?: string; method?: string } = {}) {
    expect(await verifyOnB(token, where)).toMatchObject({ valid: true });
    await change();
    expect(await verifyOnB(token, where)).toMatchObject({ valid: false, reason });
  }

  it('personal access tokens: revoked', async () => {
    const { token, secret } = dataOf(await a.gql(CreatePatDocument, { input: { name: 'pat' } })).createPersonalAccessToken;
    await expectCutOnB(secret, () => a.gql(RevokePatDocument, { id: token.id }), 'REVOKED');
  });

  it('personal access tokens and apps: their person deactivated', async () => {
    const { user, secret } = dataOf(
      await a.gql(CreateUserDocument, { input: { email: `leaver-${Date.now()}@example.com`, name: 'Leaver', role: 'DEVELOPER' } }),
    ).createUser;
    const { secret: clientSecret } = dataOf(await a.gql(CreateAppDocument, { input: { name: `leaver-app-${Date.now()}` } }, secret)).createApp;
    // B accepts (and caches) both, then A deactivates the person: B refuses both at once.
    expect(await verifyOnB(secret)).toMatchObject({ valid: true });
    expect(await verifyOnB(clientSecret)).toMatchObject({ valid: true });
    dataOf(await a.gql(DeactivateUserDocument, { id: user.id }));
    expect(await verifyOnB(secret)).toMatchObject({ valid: false, reason: 'DISABLED' });
    expect(await verifyOnB(clientSecret)).toMatchObject({ valid: false, reason: 'DISABLED' });
  });

  it('workflow tokens: revoked', async () => {
    const { workflow, secret } = dataOf(await a.gql(PublishWorkflowDocument, { input: { name: `wf-${Date.now()}`, startEvent: 'COMPONENT' } })).publishWorkflow;
    await expectCutOnB(secret as string, () => a.gql(RevokeWorkflowTokenDocument, { workflowId: workflow.id }), 'REVOKED');
  });

  it('app access tokens: their app disabled', async () => {
    const { app, secret } = dataOf(await a.gql(CreateAppDocument, { input: { name: `app-${Date.now()}` } })).createApp;
    const granted = await fetch(`${a.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${app.clientId}:${secret}`).toString('base64')}` },
      body: 'grant_type=client_credentials',
    });
    const { access_token: accessToken } = (await granted.json()) as { access_token: string };
    await expectCutOnB(accessToken, () => a.gql(DisableAppDocument, { id: app.id }), 'DISABLED');
  });

  describe('endpoint tokens', () => {
    let endpointId: string;
    let primaryGet: string;

    beforeAll(async () => {
      const { endpoint } = dataOf(
        await a.gql(CreateEndpointDocument, { input: { name: 'hook', path: `hook-${Date.now()}`, authentication: 'TOKEN' } }),
      ).createEndpoint;
      endpointId = endpoint.id;
      primaryGet = endpoint.primaryTokens.find((token) => token.method === 'GET')?.secret as string;
    });

    async function assignedSecondary() {
      const { endpointToken, secret } = dataOf(await a.gql(CreateEndpointTokenDocument, { input: { name: `secondary-${Math.random()}` } })).createEndpointToken;
      const { assignment } = dataOf(
        await a.gql(AssignEndpointTokenDocument, { input: { endpointId, tokenId: endpointToken.id, methods: ['POST'] } }),
      ).assignEndpointToken;
      return { tokenId: endpointToken.id, secret, assignmentId: assignment.id };
    }

    it('a primary token: regenerated', async () => {
      await expectCutOnB(primaryGet, () => a.gql(GeneratePrimaryTokenDocument, { endpointId, method: 'GET' }), 'UNKNOWN', { endpointId, method: 'GET' });
    });

    it('a secondary token: disabled', async () => {
      const { tokenId, secret } = await assignedSecondary();
      await expectCutOnB(secret, () => a.gql(SetEndpointTokenEnabledDocument, { id: tokenId, enabled: false }), 'DISABLED', { endpointId, method: 'POST' });
    });

    it('a secondary token: its assignment switched off', async () => {
      const { secret, assignmentId } = await assignedSecondary();
      await expectCutOnB(secret, () => a.gql(SetAssignmentEnabledDocument, { id: assignmentId, enabled: false }), 'DISABLED', { endpointId, method: 'POST' });
    });

    it('a secondary token: unassigned', async () => {
      const { secret, assignmentId } = await assignedSecondary();
      await expectCutOnB(secret, () => a.gql(UnassignEndpointTokenDocument, { id: assignmentId }), 'NOT_ASSIGNED', { endpointId, method: 'POST' });
    });
  });
});
