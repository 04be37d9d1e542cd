import { generateToken } from '../src/core/secrets';
import {
  CreateEndpointDocument,
  CreateUserDocument,
  EndpointDataDocument,
  EndpointDocument,
  EndpointsDocument,
  GeneratePrimaryTokenDocument,
  UpdateEndpointDocument,
} from './generated/graphql';
import { callEndpoint, uniquePath } from './endpoints.helpers';
import { BACKENDS, dataOf, errorCodeOf, startTessera, type TestInstance } from './harness/tessera';

describe.each(BACKENDS)('endpoints and primary tokens on %s', (backend) => {
  let tessera: TestInstance;

  beforeAll(async () => {
    tessera = await startTessera({ backend });
  });

  afterAll(async () => {
    await tessera.close();
  });

  async function newEndpoint(input: { authentication?: 'NONE' | 'TOKEN'; allowDelete?: boolean; path?: string } = {}) {
    const path = input.path ?? uniquePath('orders');
    const created = await tessera.gql(CreateEndpointDocument, {
      input: { name: 'Orders', path, authentication: input.authentication ?? 'TOKEN', allowDelete: input.allowDelete ?? false },
    });
    return dataOf(created).createEndpoint.endpoint;
  }

  function primary(endpoint: { primaryTokens: { method: string; secret?: string | null }[] }, method: string): string {
    const secret = endpoint.primaryTokens.find((token) => token.method === method)?.secret;
    if (!secret) throw new Error(`no ${method} primary token`);
    return secret;
  }

  async function newUser(role: 'DEVELOPER' | 'MEMBER' | 'AUTOMATION_ADMIN') {
    const email = `${role.toLowerCase()}-${Math.random().toString(36).slice(2)}@example.com`;
    return dataOf(await tessera.gql(CreateUserDocument, { input: { email, name: 'Someone', role } })).createUser.secret;
  }

  it('should create GET and POST primary tokens at once with TOKEN security, and none with NONE', async () => {
    const secured = await newEndpoint();
    expect(secured.primaryTokens.map((token) => token.method)).toEqual(['GET', 'POST']);
    for (const token of secured.primaryTokens) {
      expect(token.secret).toMatch(/^tse_[0-9A-Za-z]{46}$/);
      expect(token.start).toBe(token.secret?.slice(0, 8));
      expect(token.id).toMatch(/^ept_/);
    }
    expect(secured.url).toBe(`${tessera.server.services.config.publicUrl}/endpoints/${secured.path}`);
    const open = await newEndpoint({ authentication: 'NONE' });
    expect(open.primaryTokens).toEqual([]);
  });

  it("should accept a method's primary token and refuse it for another method or endpoint", async () => {
    const endpoint = await newEndpoint();
    const other = await newEndpoint();
    const get = primary(endpoint, 'GET');
    expect((await callEndpoint(tessera.url, 'GET', endpoint.path, { token: get })).status).toBe(200);

    const wrongMethod = await callEndpoint(tessera.url, 'POST', endpoint.path, { token: get, body: { a: 1 } });
    expect(wrongMethod.status).toBe(403);
    expect(wrongMethod.body.error?.reason).toBe('WRONG_METHOD');
    const wrongEndpoint = await callEndpoint(tessera.url, 'GET', other.path, { token: get });
    // Another endpoint's token reads like an unknown one (the owner's data viewer keeps NOT_ASSIGNED).
    expect(wrongEndpoint.status).toBe(401);
    expect(wrongEndpoint.body.error?.reason).toBe('UNKNOWN');

    const missing = await callEndpoint(tessera.url, 'GET', endpoint.path);
    expect(missing.status).toBe(401);
    expect(missing.body.error).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'MISSING_TOKEN' });
    expect((await callEndpoint(tessera.url, 'GET', endpoint.path, { token: 'x'.repeat(64) })).status).toBe(401);
    expect((await callEndpoint(tessera.url, 'GET', endpoint.path, { token: tessera.adminToken })).status).toBe(401);
    expect((await callEndpoint(tessera.url, 'GET', 'no/such/endpoint', { token: get })).status).toBe(404);
  });

  it('should make the DELETE primary token appear and disappear with allowDelete', async () => {
    const endpoint = await newEndpoint();
    const getToken = primary(endpoint, 'GET');
    const refused = await callEndpoint(tessera.url, 'DELETE', endpoint.path, { token: getToken });
    expect(refused.status).toBe(405);
    expect(refused.headers.get('allow')).toBe('GET, POST');

    const allowing = dataOf(await tessera.gql(UpdateEndpointDocument, { id: endpoint.id, input: { allowDelete: true } })).updateEndpoint;
    expect(allowing.primaryTokens.map((token) => token.method)).toEqual(['GET', 'POST', 'DELETE']);
    const deleteToken = primary(allowing, 'DELETE');
    expect((await callEndpoint(tessera.url, 'DELETE', endpoint.path, { token: deleteToken })).status).toBe(200);
    expect((await callEndpoint(tessera.url, 'DELETE', endpoint.path, { token: getToken })).status).toBe(403);

    const forbidding = dataOf(await tessera.gql(UpdateEndpointDocument, { id: endpoint.id, input: { allowDelete: false } })).updateEndpoint;
    expect(forbidding.primaryTokens.map((token) => token.method)).toEqual(['GET', 'POST']);
    expect(primary(forbidding, 'GET')).toBe(getToken);
    expect((await callEndpoint(tessera.url, 'DELETE', endpoint.path, { token: deleteToken })).status).toBe(405);

    // Deleting is allowed again: a new DELETE token, the old one is gone for good.
    const again = dataOf(await tessera.gql(UpdateEndpointDocument, { id: endpoint.id, input: { allowDelete: true } })).updateEndpoint;
    expect(primary(again, 'DELETE')).not.toBe(deleteToken);
    expect((await callEndpoint(tessera.url, 'DELETE', endpoint.path, { token: deleteToken })).status).toBe(401);
  });

  it('should stop the old primary value at once when a new one is generated', async () => {
    const endpoint = await newEndpoint();
    const old = primary(endpoint, 'POST');
    expect((await callEndpoint(tessera.url, 'POST', endpoint.path, { token: old, body: { n: 1 } })).status).toBe(200);

    const generated = dataOf(await tessera.gql(GeneratePrimaryTokenDocument, { endpointId: endpoint.id, method: 'POST' })).generatePrimaryToken;
    expect(generated.method).toBe('POST');
    expect(generated.secret).toMatch(/^tse_/);
    expect(generated.secret).not.toBe(old);
    expect((await callEndpoint(tessera.url, 'POST', endpoint.path, { token: old, body: { n: 2 } })).status).toBe(401);
    expect((await callEndpoint(tessera.url, 'POST', endpoint.path, { token: generated.secret ?? '', body: { n: 3 } })).status).toBe(200);
    const reread = dataOf(await tessera.gql(EndpointDocument, { id: endpoint.id })).endpoint;
    expect(primary(reread, 'POST')).toBe(generated.secret);
    expect(primary(reread, 'GET')).toBe(primary(endpoint, 'GET'));

    const none = await newEndpoint({ authentication: 'NONE' });
    expect(errorCodeOf(await tessera.gql(GeneratePrimaryTokenDocument, { endpointId: none.id, method: 'GET' }))).toBe('CONFLICT');
  });

  it('should create primary tokens when security switches to TOKEN and delete them when it switches to NONE', async () => {
    const endpoint = await newEndpoint({ authentication: 'NONE', allowDelete: true });
    expect((await callEndpoint(tessera.url, 'GET', endpoint.path)).status).toBe(200);
    const secured = dataOf(await tessera.gql(UpdateEndpointDocument, { id: endpoint.id, input: { authentication: 'TOKEN' } })).updateEndpoint;
    expect(secured.primaryTokens.map((token) => token.method)).toEqual(['GET', 'POST', 'DELETE']);
    expect((await callEndpoint(tessera.url, 'GET', endpoint.path)).status).toBe(401);
    const get = primary(secured, 'GET');
    expect((await callEndpoint(tessera.url, 'GET', endpoint.path, { token: get })).status).toBe(200);

    const open = dataOf(await tessera.gql(UpdateEndpointDocument, { id: endpoint.id, input: { authentication: 'NONE' } })).updateEndpoint;
    expect(open.primaryTokens).toEqual([]);
    expect((await callEndpoint(tessera.url, 'GET', endpoint.path)).status).toBe(200);
  });

  it('should accept any call with NONE security, keep POSTed JSON and refuse bodies over the cap', async () => {
    const endpoint = await newEndpoint({ authentication: 'NONE' });
    const accepted = await callEndpoint(tessera.url, 'POST', endpoint.path, { body: { order: 42, items: ['a', 'b'] } });
    expect(accepted.status).toBe(200);
    expect(accepted.body.callId).toMatch(/^ecl_/);
    const tooLarge = await callEndpoint(tessera.url, 'POST', endpoint.path, { body: { blob: 'x'.repeat(70 * 1024) } });
    expect(tooLarge.status).toBe(413);
    const notJson = await callEndpoint(tessera.url, 'POST', endpoint.path, { rawBody: '{not json' });
    expect(notJson.status).toBe(400);

    const calls = dataOf(await tessera.gql(EndpointDataDocument, { endpointId: endpoint.id })).endpointData;
    expect(calls.totalCount).toBe(3);
    const [bad, large, ok] = calls.edges.map((edge) => edge.node);
    expect(ok).toMatchObject({ method: 'POST', outcome: 'ACCEPTED', statusCode: 200, body: { order: 42, items: ['a', 'b'] }, tokenId: null });
    expect(ok.payloadSize).toBe(JSON.stringify({ order: 42, items: ['a', 'b'] }).length);
    expect(large).toMatchObject({ outcome: 'PAYLOAD_TOO_LARGE', statusCode: 413, body: null });
    expect(large.payloadSize).toBeGreaterThan(70 * 1024);
    expect(bad).toMatchObject({ outcome: 'BAD_BODY', statusCode: 400, body: null });
  });

  it("should rename an endpoint's primary tokens with it, at once for calls already verified", async () => {
    const endpoint = await newEndpoint();
    const post = primary(endpoint, 'POST');
    expect((await callEndpoint(tessera.url, 'POST', endpoint.path, { token: post, body: {} })).status).toBe(200);
    expect(dataOf(await tessera.gql(UpdateEndpointDocument, { id: endpoint.id, input: { name: 'Invoices' } })).updateEndpoint.name).toBe('Invoices');
    // The value was verified (and cached) under the old name; the next call records the new one.
    expect((await callEndpoint(tessera.url, 'POST', endpoint.path, { token: post, body: {} })).status).toBe(200);
    const posts = dataOf(await tessera.gql(EndpointDataDocument, { endpointId: endpoint.id, method: 'POST' })).endpointData;
    expect(posts.edges.map((edge) => edge.node.tokenName)).toEqual(['Invoices POST', 'Orders POST']);
  });

  it('should record refused calls too, and filter the data viewer by method and time', async () => {
    const endpoint = await newEndpoint();
    const post = primary(endpoint, 'POST');
    await callEndpoint(tessera.url, 'GET', endpoint.path);
    const before = tessera.clock.now();
    tessera.clock.advance(60_000);
    await callEndpoint(tessera.url, 'POST', endpoint.path, { token: post, body: { later: true } });

    const all = dataOf(await tessera.gql(EndpointDataDocument, { endpointId: endpoint.id })).endpointData;
    expect(all.edges.map((edge) => [edge.node.method, edge.node.outcome, edge.node.reason])).toEqual([
      ['POST', 'ACCEPTED', null],
      ['GET', 'UNAUTHENTICATED', 'MISSING_TOKEN'],
    ]);
    const posts = dataOf(await tessera.gql(EndpointDataDocument, { endpointId: endpoint.id, method: 'POST' })).endpointData;
    expect(posts.edges.map((edge) => edge.node.tokenName)).toEqual([`Orders POST`]);
    const early = dataOf(await tessera.gql(EndpointDataDocument, { endpointId: endpoint.id, to: new Date(before.getTime() + 1).toISOString() })).endpointData;
    expect(early.edges.map((edge) => edge.node.method)).toEqual(['GET']);
    const late = dataOf(await tessera.gql(EndpointDataDocument, { endpointId: endpoint.id, from: new Date(before.getTime() + 1).toISOString() })).endpointData;
    expect(late.edges.map((edge) => edge.node.method)).toEqual(['POST']);
  });

  it('should refuse paths that are not URL-safe or already taken, writing nothing', async () => {
    for (const path of ['/leading', 'a//b', 'a/../b', 'with space', 'trailing/', 'ümlaut']) {
      const response = await tessera.gql(CreateEndpointDocument, { input: { name: 'Bad', path, authentication: 'NONE', allowDelete: false } });
      expect(errorCodeOf(response)).toBe('BAD_USER_INPUT');
      expect(response.errors?.[0]?.extensions?.field).toBe('input.path');
    }
    const endpoint = await newEndpoint();
    const taken = await tessera.gql(CreateEndpointDocument, { input: { name: 'Twin', path: endpoint.path, authentication: 'NONE', allowDelete: false } });
    expect(errorCodeOf(taken)).toBe('CONFLICT');
    expect(taken.errors?.[0]?.extensions?.reason).toBe('PATH_TAKEN');
    const other = await newEndpoint();
    expect(errorCodeOf(await tessera.gql(UpdateEndpointDocument, { id: other.id, input: { path: endpoint.path } }))).toBe('CONFLICT');
    const list = dataOf(await tessera.gql(EndpointsDocument, { first: 100 })).endpoints;
    expect(list.edges.filter((edge) => edge.node.path === endpoint.path)).toHaveLength(1);
  });

  it('should show primary values to administrators only and let only administrators change endpoints', async () => {
    const endpoint = await newEndpoint();
    const developer = await newUser('DEVELOPER');
    const seen = dataOf(await tessera.gql(EndpointDocument, { id: endpoint.id }, developer)).endpoint;
    expect(seen.primaryTokens.map((token) => [token.method, token.secret])).toEqual([
      ['GET', null],
      ['POST', null],
    ]);
    expect(seen.primaryTokens[0].start).toBe(endpoint.primaryTokens[0].start);
    expect(
      errorCodeOf(
        await tessera.gql(CreateEndpointDocument, { input: { name: 'x', path: uniquePath('dev'), authentication: 'NONE', allowDelete: false } }, developer),
      ),
    ).toBe('FORBIDDEN');
    expect(errorCodeOf(await tessera.gql(GeneratePrimaryTokenDocument, { endpointId: endpoint.id, method: 'GET' }, developer))).toBe('FORBIDDEN');
    expect(errorCodeOf(await tessera.gql(EndpointDataDocument, { endpointId: endpoint.id }, developer))).toBe('FORBIDDEN');
    const member = await newUser('MEMBER');
    expect(errorCodeOf(await tessera.gql(EndpointsDocument, {}, member))).toBe('FORBIDDEN');
    expect(errorCodeOf(await tessera.gql(EndpointDocument, { id: 'end_000000000000000000000x' }))).toBe('NOT_FOUND');
    expect(tessera.logs.join('\n')).not.toContain(primary(endpoint, 'GET'));
  });

  it("should keep tenants apart: a path is the installation's, another tenant's token reaches nothing there", async () => {
    const other = await tessera.server.services.users.createTenantWithAdmin({
      tenantName: `Other ${Math.random()}`,
      adminEmail: `admin-${Math.random().toString(36).slice(2)}@other.example`,
      adminName: 'Other admin',
    });
    const ours = await newEndpoint();
    const taken = await tessera.gql(
      CreateEndpointDocument,
      { input: { name: 'Theirs', path: ours.path, authentication: 'TOKEN', allowDelete: false } },
      other.secret,
    );
    expect(taken.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'PATH_TAKEN' });
    const theirs = dataOf(
      await tessera.gql(
        CreateEndpointDocument,
        { input: { name: 'Theirs', path: `${ours.path}-theirs`, authentication: 'TOKEN', allowDelete: false } },
        other.secret,
      ),
    ).createEndpoint.endpoint;

    expect((await callEndpoint(tessera.url, 'POST', ours.path, { token: primary(ours, 'POST'), body: { from: 'us' } })).status).toBe(200);
    // Their valid token at our path: answered exactly as an unknown token.
    const foreign = await callEndpoint(tessera.url, 'POST', ours.path, { token: primary(theirs, 'POST'), body: { from: 'them' } });
    const unknown = await callEndpoint(tessera.url, 'POST', ours.path, { token: generateToken('tse').value, body: { from: 'them' } });
    expect(foreign.status).toBe(unknown.status);
    expect(foreign.body.error).toEqual(unknown.body.error);
    expect((await callEndpoint(tessera.url, 'POST', ours.path)).status).toBe(401);

    const ourCalls = dataOf(await tessera.gql(EndpointDataDocument, { endpointId: ours.id })).endpointData;
    expect(ourCalls.edges.filter((edge) => edge.node.outcome === 'ACCEPTED').map((edge) => edge.node.body)).toEqual([{ from: 'us' }]);
    const theirCalls = dataOf(await tessera.gql(EndpointDataDocument, { endpointId: theirs.id }, other.secret)).endpointData;
    expect(theirCalls.edges).toEqual([]);

    expect(errorCodeOf(await tessera.gql(EndpointDocument, { id: ours.id }, other.secret))).toBe('NOT_FOUND');
    expect(errorCodeOf(await tessera.gql(EndpointDataDocument, { endpointId: ours.id }, other.secret))).toBe('NOT_FOUND');
    expect(errorCodeOf(await tessera.gql(UpdateEndpointDocument, { id: ours.id, input: { name: 'taken over' } }, other.secret))).toBe('NOT_FOUND');
    const theirList = dataOf(await tessera.gql(EndpointsDocument, { first: 100 }, other.secret)).endpoints;
    expect(theirList.edges.map((edge) => edge.node.id)).toEqual([theirs.id]);
  });
});
