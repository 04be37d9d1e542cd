import { randomBytes } from 'node:crypto';
import { generateToken } from '../../src/core/secrets';
import { TokenRecord } from '../../src/core/tokens/token.entity';
import { EndpointCall } from '../../src/modules/endpoints';
import { CreateAppDocument, CreateEndpointDocument, CreatePatDocument, RevokeWorkflowTokenDocument, VerifyTokenDocument } from '../generated/graphql';
import { callEndpoint, uniquePath } from '../endpoints.helpers';
import { publish, startWorkflow } from '../workflows-helpers';
import { BACKENDS, dataOf, eventually, startTessera, type TestInstance } from '../harness/tessera';

/** A documentation-range address, named in X-Forwarded-For only (never contacted). */
function someAddress(): string {
  const bytes = randomBytes(2);
  return `203.0.${bytes[0]}.${bytes[1]}`;
}

describe.each(BACKENDS)('answers that tell nothing across tenants, and failure budgets on /oauth/* (%s)', (backend) => {
  let tessera: TestInstance;
  /** A valid PAT of another tenant, and a PAT of this tenant (a control for lastUsedAt flushes). */
  let foreign: { id: string; secret: string };
  let own: { id: string; secret: string };
  let app: { clientId: string; secret: string };
  let otherAdmin: string;

  beforeAll(async () => {
    tessera = await startTessera({ backend, env: { TESSERA_TRUST_PROXY: 'loopback', TESSERA_RATE_AUTH_FAILURES_PER_MINUTE: '3' } });
    const other = await tessera.server.services.users.createTenantWithAdmin({ tenantName: 'Other', adminEmail: 'oracle@other.example', adminName: 'Other' });
    const created = (token: string) => tessera.gql(CreatePatDocument, { input: { name: `pat ${Math.random().toString(36).slice(2)}` } }, token);
    const foreignPat = dataOf(await created(other.secret)).createPersonalAccessToken;
    foreign = { id: foreignPat.token.id, secret: foreignPat.secret };
    otherAdmin = other.secret;
    const ownPat = dataOf(await created(tessera.adminToken)).createPersonalAccessToken;
    own = { id: ownPat.token.id, secret: ownPat.secret };
    const createdApp = dataOf(await tessera.gql(CreateAppDocument, { input: { name: 'oracle app' } })).createApp;
    app = { clientId: createdApp.app.clientId, secret: createdApp.secret };
  });

  afterAll(async () => {
    await tessera?.close();
  });

  const lastUsedAt = async (id: string) => (await tessera.server.orm.em.fork().findOneOrFail(TokenRecord, { id })).lastUsedAt ?? null;
  /** Waits until a flush stamped `own` (used after the probe): the probe's stamp, if any, is written by then too. */
  const afterFlush = async () => eventually(async () => ((await lastUsedAt(own.id)) ? true : undefined), 5000, 'the control stamp');

  it("should answer another tenant's value exactly like an unknown one, and leave its lastUsedAt alone (verifyToken, /v1/verify)", async () => {
    const unknown = generateToken(foreign.secret.slice(0, foreign.secret.indexOf('_'))).value;
    const viaGraphql = async (token: string) => dataOf(await tessera.gql(VerifyTokenDocument, { token })).verifyToken;
    const viaRest = async (token: string) =>
      (
        await fetch(`${tessera.url}/v1/verify`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${tessera.adminToken}` },
          body: JSON.stringify({ token }),
        })
      ).json();
    expect(await viaGraphql(foreign.secret)).toEqual(await viaGraphql(unknown));
    expect(await viaGraphql(foreign.secret)).toMatchObject({ valid: false, reason: 'UNKNOWN', tokenId: null });
    expect(await viaRest(foreign.secret)).toEqual(await viaRest(unknown));
    expect((await viaGraphql(own.secret)).valid).toBe(true);
    await afterFlush();
    expect(await lastUsedAt(foreign.id)).toBeNull();
  });

  const oauth = (path: string, form: Record<string, string>, address: string, basic?: { id: string; secret: string }) =>
    fetch(`${tessera.url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-forwarded-for': address,
        ...(basic ? { authorization: `Basic ${Buffer.from(`${basic.id}:${basic.secret}`).toString('base64')}` } : {}),
      },
      body: new URLSearchParams(form).toString(),
    });

  it("should introspect another tenant's token as inactive, exactly like an unknown one, without stamping it", async () => {
    const client = { id: app.clientId, secret: app.secret };
    const address = someAddress();
    const foreignAnswer = await oauth('/oauth/introspect', { token: foreign.secret }, address, client);
    const unknownAnswer = await oauth(
      '/oauth/introspect',
      { token: generateToken(foreign.secret.slice(0, foreign.secret.indexOf('_'))).value },
      address,
      client,
    );
    expect(foreignAnswer.status).toBe(unknownAnswer.status);
    expect(await foreignAnswer.json()).toEqual(await unknownAnswer.json());
    await tessera.gql(VerifyTokenDocument, { token: own.secret });
    await afterFlush();
    expect(await lastUsedAt(foreign.id)).toBeNull();
  });

  it.each(['/oauth/token', '/oauth/introspect', '/oauth/revoke'])(
    'should count failed client authentications at %s per address, and never refuse valid credentials',
    async (path) => {
      const address = someAddress();
      const form: Record<string, string> = path === '/oauth/token' ? { grant_type: 'client_credentials' } : { token: 'tsp_' + 'S'.repeat(46) };
      const wrong = { id: app.clientId, secret: 'tas_' + 'W'.repeat(46) };
      for (let i = 0; i < 3; i += 1) expect((await oauth(path, form, address, wrong)).status).toBe(401);
      const limited = await oauth(path, form, address, wrong);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await limited.json()).toMatchObject({ error: 'invalid_client' });
      // A neighbour's guesses do not lock out the real client, nor another address.
      expect((await oauth(path, form, address, { id: app.clientId, secret: app.secret })).status).toBe(200);
      expect((await oauth(path, form, someAddress(), wrong)).status).toBe(401);
    },
  );

  /** An endpoint that takes tokens, in this tenant (`tessera.adminToken`) or the other, and its POST primary token. */
  const tokenEndpoint = async (token = tessera.adminToken) => {
    const endpoint = dataOf(
      await tessera.gql(CreateEndpointDocument, { input: { name: 'Oracle', path: uniquePath('oracle'), authentication: 'TOKEN' } }, token),
    ).createEndpoint.endpoint;
    return { endpoint, post: endpoint.primaryTokens.find((primary) => primary.method === 'POST')?.secret as string };
  };

  it("should answer every token that is not one of an endpoint's alike (401 UNKNOWN), keeping the true reason for the owner's data viewer", async () => {
    const { endpoint, post } = await tokenEndpoint();
    const sibling = await tokenEndpoint();
    const theirs = await tokenEndpoint(otherAdmin);
    const presented: [string, string, string | null][] = [
      ['a made-up value', generateToken('tse').value, 'UNKNOWN'],
      ["another tenant's endpoint token", theirs.post, 'UNKNOWN'],
      ["another endpoint's token of this tenant", sibling.post, 'NOT_ASSIGNED'],
      ['a personal access token of this tenant', own.secret, 'WRONG_KIND'],
    ];
    const answers: unknown[] = [];
    for (const [, token] of presented) {
      const answer = await callEndpoint(tessera.url, 'POST', endpoint.path, { token, body: {}, headers: { 'x-forwarded-for': someAddress() } });
      answers.push({ status: answer.status, body: answer.body });
    }
    expect(answers[0]).toEqual({ status: 401, body: { error: { code: 'UNAUTHENTICATED', message: expect.any(String), reason: 'UNKNOWN' } } });
    for (const answer of answers) expect(answer).toEqual(answers[0]);

    // The owner sees why; another tenant's token is never named in this tenant's data.
    const calls = await tessera.server.orm.em.fork().find(EndpointCall, { endpointId: endpoint.id }, { orderBy: { receivedAt: 'asc', id: 'asc' } });
    expect(calls.map((call) => call.reason)).toEqual(presented.map(([, , reason]) => reason));
    expect(calls[1].tokenId).toBeNull();
    // Its own token still hears why it is refused.
    const wrongMethod = await callEndpoint(tessera.url, 'GET', endpoint.path, { token: post, headers: { 'x-forwarded-for': someAddress() } });
    expect([wrongMethod.status, wrongMethod.body.error?.reason]).toEqual([403, 'WRONG_METHOD']);
  });

  it("should answer every token that does not start a workflow alike, and count refused starts against the address's failure budget", async () => {
    const { workflow, secret } = await publish(tessera);
    const sibling = await publish(tessera);
    const theirs = await publish(tessera, {}, otherAdmin);
    const opaque: [string, Parameters<typeof startWorkflow>[2]][] = [
      ['a made-up value', { header: generateToken('tsw').value, body: {} }],
      ["another workflow's token", { header: sibling.secret as string, body: {} }],
      ["another tenant's (revoked) workflow token", { header: theirs.secret as string, body: {} }],
      ['a personal access token in the workflow token header', { header: own.secret, body: {} }],
      ['a workflow token as a bearer', { bearer: secret as string, body: {} }],
    ];
    dataOf(await tessera.gql(RevokeWorkflowTokenDocument, { workflowId: theirs.workflow.id }, otherAdmin));
    const bodies: unknown[] = [];
    for (const [, options] of opaque) {
      const refused = await startWorkflow(tessera, workflow.id, { ...options, headers: { 'x-forwarded-for': someAddress() } });
      expect(refused.status).toBe(401);
      bodies.push(refused.body);
    }
    expect(bodies[0]).toEqual({ error: { code: 'UNAUTHENTICATED', message: expect.any(String), reason: 'UNKNOWN' } });
    for (const body of bodies) expect(body).toEqual(bodies[0]);

    // The budget: three refusals count, the fourth is 429; the workflow's own token still starts it from there.
    const address = someAddress();
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1)
      statuses.push(
        (await startWorkflow(tessera, workflow.id, { header: generateToken('tsw').value, body: {}, headers: { 'x-forwarded-for': address } })).status,
      );
    expect(statuses).toEqual([401, 401, 401, 429]);
    expect((await startWorkflow(tessera, workflow.id, { header: secret as string, body: {}, headers: { 'x-forwarded-for': address } })).status).toBe(201);

    // Its own revoked token hears that it is revoked.
    dataOf(await tessera.gql(RevokeWorkflowTokenDocument, { workflowId: workflow.id }));
    const revoked = await startWorkflow(tessera, workflow.id, { header: secret as string, body: {}, headers: { 'x-forwarded-for': someAddress() } });
    expect([revoked.status, revoked.body.error?.reason]).toEqual([401, 'REVOKED']);
  });
});
