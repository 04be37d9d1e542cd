import type { Actor } from '../src/core/actor';
import { Role } from '../src/core/tokens/token-kind';
import {
  ActivateEndpointTokenDocument,
  AssignEndpointTokenDocument,
  AuditLogDocument,
  CreateEndpointDocument,
  CreateEndpointTokenDocument,
  CreateUserDocument,
  DeactivateEndpointTokenDocument,
  ReportLeakDocument,
  EndpointDataDocument,
  EndpointTokensDocument,
  EndpointTokenTabDocument,
  OnTokenEventsDocument,
  RegenerateEndpointTokenDocument,
  RevealEndpointTokenDocument,
  SetAssignmentEnabledDocument,
  SetEndpointTokenEnabledDocument,
  TokenEventsHistoryDocument,
  UnassignEndpointTokenDocument,
  UpdateEndpointTokenDocument,
  ViewerDocument,
} from './generated/graphql';
import { callEndpoint, uniquePath } from './endpoints.helpers';
import { BACKENDS, dataOf, errorCodeOf, startSibling, startTessera, type TestInstance } from './harness/tessera';

type Method = 'GET' | 'POST' | 'DELETE';

describe.each(BACKENDS)('secondary endpoint tokens and assignments on %s', (backend) => {
  let tessera: TestInstance;
  /** SQL statements seen while `counting` is on. */
  const statements: string[] = [];
  let counting = false;

  beforeAll(async () => {
    tessera = await startTessera({ backend, onQuery: (sql) => void (counting && statements.push(sql)) });
  });

  afterAll(async () => {
    await tessera.close();
  });

  async function newEndpoint(allowDelete = false) {
    const created = await tessera.gql(CreateEndpointDocument, {
      input: { name: 'Shipments', path: uniquePath('shipments'), authentication: 'TOKEN', allowDelete },
    });
    return dataOf(created).createEndpoint.endpoint;
  }

  async function newToken(name = 'billing app', enabled = true) {
    return dataOf(await tessera.gql(CreateEndpointTokenDocument, { input: { name, description: 'talks to shipments', enabled } })).createEndpointToken;
  }

  async function assign(endpointId: string, tokenId: string, methods: Method[] = ['GET', 'POST']) {
    return dataOf(await tessera.gql(AssignEndpointTokenDocument, { input: { endpointId, tokenId, methods } })).assignEndpointToken.assignment;
  }

  const post = (path: string, token: string) => callEndpoint(tessera.url, 'POST', path, { token, body: { at: Date.now() } });

  /** The id of a token's latest event (history is oldest first), to subscribe after it. */
  async function lastEventIdOf(tokenId: string): Promise<string | undefined> {
    const history = dataOf(await tessera.gql(TokenEventsHistoryDocument, { first: 100, filter: { tokenIds: [tokenId] } })).tokenEvents;
    return history.edges[history.edges.length - 1]?.node.id;
  }

  it("should change a token's name and description (its settings), keeping its value and assignments", async () => {
    const endpoint = await newEndpoint();
    const { endpointToken, secret } = await newToken('before', false);
    expect(endpointToken.enabled).toBe(false);
    await assign(endpoint.id, endpointToken.id);
    const renamed = dataOf(
      await tessera.gql(UpdateEndpointTokenDocument, { id: endpointToken.id, input: { name: 'after', description: 'new notes' } }),
    ).updateEndpointToken;
    expect(renamed).toMatchObject({ name: 'after', description: 'new notes', enabled: false });
    const cleared = dataOf(await tessera.gql(UpdateEndpointTokenDocument, { id: endpointToken.id, input: { description: '' } })).updateEndpointToken;
    expect(cleared).toMatchObject({ name: 'after', description: null });
    dataOf(await tessera.gql(SetEndpointTokenEnabledDocument, { id: endpointToken.id, enabled: true }));
    expect((await post(endpoint.path, secret)).status).toBe(200);
    expect(errorCodeOf(await tessera.gql(UpdateEndpointTokenDocument, { id: endpointToken.id, input: { name: '' } }))).toBe('BAD_USER_INPUT');
    expect(errorCodeOf(await tessera.gql(UpdateEndpointTokenDocument, { id: 'est_nope', input: { name: 'x' } }))).toBe('NOT_FOUND');
  });

  it('should create a token of exactly 64 alphanumerics that administrators can reveal, audited', async () => {
    const { endpointToken, secret } = await newToken();
    expect(secret).toMatch(/^[0-9A-Za-z]{64}$/);
    expect(endpointToken).toMatchObject({
      kind: 'ENDPOINT_SECONDARY',
      name: 'billing app',
      description: 'talks to shipments',
      enabled: true,
      active: true,
      status: 'ACTIVE',
    });
    expect(endpointToken.id).toMatch(/^est_/);

    const revealed = dataOf(await tessera.gql(RevealEndpointTokenDocument, { id: endpointToken.id })).revealEndpointToken;
    expect(revealed.secret).toBe(secret);
    const audit = dataOf(await tessera.gql(AuditLogDocument, { targetId: endpointToken.id, first: 10 })).auditLog;
    expect(audit.edges.map((edge) => edge.node.action)).toContain('endpoint_token.revealed');
    expect(JSON.stringify(audit)).not.toContain(secret);

    const email = `dev-${Math.random().toString(36).slice(2)}@example.com`;
    const developer = dataOf(await tessera.gql(CreateUserDocument, { input: { email, name: 'Dev', role: 'DEVELOPER' } })).createUser.secret;
    expect(errorCodeOf(await tessera.gql(RevealEndpointTokenDocument, { id: endpointToken.id }, developer))).toBe('FORBIDDEN');
    const listed = dataOf(await tessera.gql(EndpointTokensDocument, { first: 100 }, developer)).endpointTokens;
    expect(listed.edges.map((edge) => edge.node.id)).toContain(endpointToken.id);
    expect(JSON.stringify(listed)).not.toContain(secret);
    expect(tessera.logs.join('\n')).not.toContain(secret);

    const other = await tessera.server.services.users.createTenantWithAdmin({
      tenantName: `Other ${Math.random()}`,
      adminEmail: `admin-${Math.random().toString(36).slice(2)}@other.example`,
      adminName: 'Other admin',
    });
    expect(errorCodeOf(await tessera.gql(RevealEndpointTokenDocument, { id: endpointToken.id }, other.secret))).toBe('NOT_FOUND');
    expect(errorCodeOf(await tessera.gql(DeactivateEndpointTokenDocument, { id: endpointToken.id }, other.secret))).toBe('NOT_FOUND');
    const theirs = dataOf(
      await tessera.gql(
        CreateEndpointDocument,
        { input: { name: 'Theirs', path: uniquePath('theirs'), authentication: 'TOKEN', allowDelete: false } },
        other.secret,
      ),
    ).createEndpoint.endpoint;
    expect(
      errorCodeOf(
        await tessera.gql(AssignEndpointTokenDocument, { input: { endpointId: theirs.id, tokenId: endpointToken.id, methods: ['GET'] } }, other.secret),
      ),
    ).toBe('NOT_FOUND');
    expect(dataOf(await tessera.gql(EndpointTokensDocument, { first: 100 }, other.secret)).endpointTokens.totalCount).toBe(0);
  });

  it('should accept an assigned token only on its endpoint and methods', async () => {
    const endpoint = await newEndpoint();
    const elsewhere = await newEndpoint();
    const { endpointToken, secret } = await newToken();
    expect((await post(endpoint.path, secret)).body.error?.reason).toBe('UNKNOWN');

    const assignment = await assign(endpoint.id, endpointToken.id, ['POST']);
    expect(assignment).toMatchObject({ endpointId: endpoint.id, tokenId: endpointToken.id, methods: ['POST'], enabled: true });
    expect((await post(endpoint.path, secret)).status).toBe(200);
    const get = await callEndpoint(tessera.url, 'GET', endpoint.path, { token: secret });
    expect([get.status, get.body.error?.reason]).toEqual([403, 'WRONG_METHOD']);
    const other = await post(elsewhere.path, secret);
    expect([other.status, other.body.error?.reason]).toEqual([401, 'UNKNOWN']);

    expect(
      errorCodeOf(await tessera.gql(AssignEndpointTokenDocument, { input: { endpointId: endpoint.id, tokenId: endpointToken.id, methods: ['GET'] } })),
    ).toBe('CONFLICT');
    const badDelete = await tessera.gql(AssignEndpointTokenDocument, { input: { endpointId: elsewhere.id, tokenId: endpointToken.id, methods: ['DELETE'] } });
    expect(errorCodeOf(badDelete)).toBe('BAD_USER_INPUT');
    expect(badDelete.errors?.[0]?.extensions?.field).toBe('input.methods');
    expect(errorCodeOf(await tessera.gql(AssignEndpointTokenDocument, { input: { endpointId: elsewhere.id, tokenId: endpointToken.id, methods: [] } }))).toBe(
      'BAD_USER_INPUT',
    );

    const removed = dataOf(await tessera.gql(UnassignEndpointTokenDocument, { id: assignment.id })).unassignEndpointToken;
    expect(removed.id).toBe(assignment.id);
    expect((await post(endpoint.path, secret)).body.error?.reason).toBe('UNKNOWN');
  });

  it('should cut one application when its assignment is switched off, and no other', async () => {
    const endpoint = await newEndpoint();
    const elsewhere = await newEndpoint();
    const billing = await newToken('billing');
    const shipping = await newToken('shipping');
    const cut = await assign(endpoint.id, billing.endpointToken.id);
    await assign(elsewhere.id, billing.endpointToken.id);
    await assign(endpoint.id, shipping.endpointToken.id);
    for (const secret of [billing.secret, shipping.secret]) expect((await post(endpoint.path, secret)).status).toBe(200);

    const switchedOff = dataOf(await tessera.gql(SetAssignmentEnabledDocument, { id: cut.id, enabled: false })).setAssignmentEnabled;
    expect(switchedOff.enabled).toBe(false);
    const refused = await post(endpoint.path, billing.secret);
    expect([refused.status, refused.body.error?.reason]).toEqual([403, 'DISABLED']);
    expect((await post(endpoint.path, shipping.secret)).status).toBe(200);
    expect((await post(elsewhere.path, billing.secret)).status).toBe(200);
    expect((await callEndpoint(tessera.url, 'GET', endpoint.path, { token: primaryOf(endpoint, 'GET') })).status).toBe(200);

    dataOf(await tessera.gql(SetAssignmentEnabledDocument, { id: cut.id, enabled: true }));
    expect((await post(endpoint.path, billing.secret)).status).toBe(200);
  });

  function primaryOf(endpoint: { primaryTokens: { method: string; secret?: string | null }[] }, method: Method): string {
    return endpoint.primaryTokens.find((token) => token.method === method)?.secret ?? '';
  }

  it('should cut a disabled token everywhere and restore it when enabled', async () => {
    const first = await newEndpoint();
    const second = await newEndpoint();
    const { endpointToken, secret } = await newToken();
    await assign(first.id, endpointToken.id);
    await assign(second.id, endpointToken.id);
    expect((await post(first.path, secret)).status).toBe(200);

    const disabled = dataOf(await tessera.gql(SetEndpointTokenEnabledDocument, { id: endpointToken.id, enabled: false })).setEndpointTokenEnabled;
    expect(disabled.enabled).toBe(false);
    for (const endpoint of [first, second]) {
      const refused = await post(endpoint.path, secret);
      expect([refused.status, refused.body.error?.reason]).toEqual([403, 'DISABLED']);
    }
    dataOf(await tessera.gql(SetEndpointTokenEnabledDocument, { id: endpointToken.id, enabled: true }));
    for (const endpoint of [first, second]) expect((await post(endpoint.path, secret)).status).toBe(200);

    const bornDisabled = await newToken('later', false);
    expect(bornDisabled.endpointToken.enabled).toBe(false);
    await assign(first.id, bornDisabled.endpointToken.id);
    expect((await post(first.path, bornDisabled.secret)).body.error?.reason).toBe('DISABLED');
  });

  it('should stop a deactivated token, list only active tokens by default, and bring it back on activation', async () => {
    const endpoint = await newEndpoint();
    const { endpointToken, secret } = await newToken('seasonal');
    await assign(endpoint.id, endpointToken.id);
    expect((await post(endpoint.path, secret)).status).toBe(200);

    const inactive = dataOf(await tessera.gql(DeactivateEndpointTokenDocument, { id: endpointToken.id })).deactivateEndpointToken;
    expect(inactive).toMatchObject({ active: false, status: 'REVOKED' });
    expect((await post(endpoint.path, secret)).body.error?.reason).toBe('REVOKED');
    const active = dataOf(await tessera.gql(EndpointTokensDocument, { first: 100 })).endpointTokens;
    expect(active.edges.map((edge) => edge.node.id)).not.toContain(endpointToken.id);
    const inactiveList = dataOf(await tessera.gql(EndpointTokensDocument, { first: 100, active: false })).endpointTokens;
    expect(inactiveList.edges.map((edge) => edge.node.id)).toContain(endpointToken.id);
    expect(inactiveList.edges.every((edge) => !edge.node.active)).toBe(true);
    expect(errorCodeOf(await tessera.gql(RegenerateEndpointTokenDocument, { id: endpointToken.id }))).toBe('CONFLICT');
    expect(errorCodeOf(await tessera.gql(DeactivateEndpointTokenDocument, { id: endpointToken.id }))).toBe('CONFLICT');

    const back = dataOf(await tessera.gql(ActivateEndpointTokenDocument, { id: endpointToken.id })).activateEndpointToken;
    expect(back).toMatchObject({ active: true, status: 'ACTIVE', revokedAt: null });
    expect((await post(endpoint.path, secret)).status).toBe(200);
  });

  it('should never revive a value revoked as leaked: activateEndpointToken answers CONFLICT LEAKED_TOKEN and the value stays refused', async () => {
    const endpoint = await newEndpoint();
    const { endpointToken, secret } = await newToken();
    await assign(endpoint.id, endpointToken.id);
    expect(dataOf(await tessera.gql(ReportLeakDocument, { token: secret, source: 'a public paste' })).reportLeakedToken).toMatchObject({ revoked: true });
    const revived = await tessera.gql(ActivateEndpointTokenDocument, { id: endpointToken.id });
    expect(revived.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'LEAKED_TOKEN' });
    expect((await post(endpoint.path, secret)).body.error?.reason).toBe('REVOKED');
    const listed = dataOf(await tessera.gql(EndpointTokensDocument, { first: 100, active: false })).endpointTokens;
    expect(listed.edges.find((edge) => edge.node.id === endpointToken.id)?.node).toMatchObject({ active: false, status: 'REVOKED' });
  });

  it('should stop the old secondary value at once on regeneration and keep its assignments', async () => {
    const endpoint = await newEndpoint();
    const { endpointToken, secret } = await newToken();
    await assign(endpoint.id, endpointToken.id);
    expect((await post(endpoint.path, secret)).status).toBe(200);
    const regenerated = dataOf(await tessera.gql(RegenerateEndpointTokenDocument, { id: endpointToken.id })).regenerateEndpointToken;
    expect(regenerated.secret).toMatch(/^[0-9A-Za-z]{64}$/);
    expect(regenerated.secret).not.toBe(secret);
    expect((await post(endpoint.path, secret)).status).toBe(401);
    expect((await post(endpoint.path, regenerated.secret)).status).toBe(200);
    expect(dataOf(await tessera.gql(RevealEndpointTokenDocument, { id: endpointToken.id })).revealEndpointToken.secret).toBe(regenerated.secret);
  });

  it('should let the data viewer show which application talks through an endpoint', async () => {
    const endpoint = await newEndpoint();
    const billing = await newToken('billing');
    const shipping = await newToken('shipping');
    await assign(endpoint.id, billing.endpointToken.id);
    await assign(endpoint.id, shipping.endpointToken.id, ['GET']);
    await callEndpoint(tessera.url, 'POST', endpoint.path, { token: billing.secret, body: { invoice: 1 } });
    await callEndpoint(tessera.url, 'POST', endpoint.path, { token: shipping.secret, body: { parcel: 1 } });
    await callEndpoint(tessera.url, 'GET', endpoint.path, { token: shipping.secret });
    await callEndpoint(tessera.url, 'POST', endpoint.path, { token: billing.secret, body: { invoice: 2 } });

    const billingCalls = dataOf(await tessera.gql(EndpointDataDocument, { endpointId: endpoint.id, tokenId: billing.endpointToken.id })).endpointData;
    expect(billingCalls.edges.map((edge) => [edge.node.tokenName, edge.node.outcome, edge.node.body])).toEqual([
      ['billing', 'ACCEPTED', { invoice: 2 }],
      ['billing', 'ACCEPTED', { invoice: 1 }],
    ]);
    const shippingCalls = dataOf(await tessera.gql(EndpointDataDocument, { endpointId: endpoint.id, tokenId: shipping.endpointToken.id })).endpointData;
    expect(shippingCalls.edges.map((edge) => [edge.node.method, edge.node.outcome, edge.node.reason])).toEqual([
      ['GET', 'ACCEPTED', null],
      ['POST', 'FORBIDDEN', 'WRONG_METHOD'],
    ]);
    const everything = JSON.stringify(dataOf(await tessera.gql(EndpointDataDocument, { endpointId: endpoint.id })));
    expect(everything).not.toContain(billing.secret);
    expect(everything).not.toContain(shipping.secret);
  });

  it("should let the endpoint's token tab hide unassigned tokens", async () => {
    const endpoint = await newEndpoint();
    const assigned = await newToken('assigned');
    const unassigned = await newToken('unassigned');
    const assignment = await assign(endpoint.id, assigned.endpointToken.id);
    await tessera.gql(SetAssignmentEnabledDocument, { id: assignment.id, enabled: false });

    const all = dataOf(await tessera.gql(EndpointTokenTabDocument, { id: endpoint.id, first: 100 })).endpoint.tokens;
    const states = new Map(all.edges.map((edge) => [edge.node.token.id, edge.node]));
    expect(states.get(assigned.endpointToken.id)).toMatchObject({
      assigned: true,
      assignment: { id: assignment.id, enabled: false, methods: ['GET', 'POST'] },
    });
    expect(states.get(unassigned.endpointToken.id)).toMatchObject({ assigned: false, assignment: null });

    const hidden = dataOf(await tessera.gql(EndpointTokenTabDocument, { id: endpoint.id, hideUnassigned: true })).endpoint.tokens;
    expect(hidden.edges.map((edge) => edge.node.token.id)).toEqual([assigned.endpointToken.id]);
    expect(hidden.totalCount).toBe(1);
  });

  it('should notify every assignment change with the endpoint as subject, and REVOKED on deactivation', async () => {
    const endpoint = await newEndpoint();
    const { endpointToken } = await newToken('noticed');
    const after = await lastEventIdOf(endpointToken.id);
    const subscription = tessera.ws().subscribe(OnTokenEventsDocument, { filter: { tokenIds: [endpointToken.id] }, after });

    const assignment = await assign(endpoint.id, endpointToken.id);
    await tessera.gql(SetAssignmentEnabledDocument, { id: assignment.id, enabled: false });
    await tessera.gql(SetAssignmentEnabledDocument, { id: assignment.id, enabled: true });
    await tessera.gql(UnassignEndpointTokenDocument, { id: assignment.id });
    await tessera.gql(RegenerateEndpointTokenDocument, { id: endpointToken.id });
    await tessera.gql(SetEndpointTokenEnabledDocument, { id: endpointToken.id, enabled: false });
    await tessera.gql(DeactivateEndpointTokenDocument, { id: endpointToken.id });

    const seen: { type: string; subjectId: string | null | undefined; reason: string | null | undefined }[] = [];
    while (seen.length < 7) {
      const { tokenEvents } = await subscription.value();
      seen.push({ type: tokenEvents.type, subjectId: tokenEvents.token.subjectId, reason: tokenEvents.reason });
    }
    subscription.unsubscribe();
    expect(seen.map((event) => event.type)).toEqual(['ASSIGNED', 'DISABLED', 'ENABLED', 'UNASSIGNED', 'REGENERATED', 'DISABLED', 'REVOKED']);
    expect(seen.slice(0, 4).every((event) => event.subjectId === endpoint.id)).toBe(true);
    expect(seen[6].reason).toBe('DEACTIVATED');

    const byEndpoint = dataOf(
      await tessera.gql(TokenEventsHistoryDocument, { first: 50, filter: { endpointIds: [endpoint.id], tokenIds: [endpointToken.id] } }),
    ).tokenEvents;
    expect(byEndpoint.totalCount).toBe(4);
    const audit = dataOf(await tessera.gql(AuditLogDocument, { targetId: endpointToken.id, first: 20 })).auditLog;
    expect(audit.edges.map((edge) => edge.node.action)).toEqual(
      expect.arrayContaining(['endpoint_token.assigned', 'endpoint_token.disabled', 'endpoint_token.unassigned', 'endpoint_token.revoked']),
    );
  });

  it('should list 100 tokens with their assignments in as many SQL statements as 10', async () => {
    const viewer = dataOf(await tessera.gql(ViewerDocument, {})).viewer;
    const actor: Actor = { type: 'user', id: viewer.id, name: viewer.name, tenantId: viewer.tenant.id, role: Role.ADMIN };
    const { endpointTokens: tokens, endpoints } = tessera.server.services;
    const endpoint = await newEndpoint();
    const second = await endpoints.create(actor, { name: 'Second', path: uniquePath('second'), authentication: 'TOKEN' as never, allowDelete: false });
    for (let index = 0; index < 100; index += 1) {
      const { token } = await tokens.create(actor, { name: `app ${index}`, enabled: true });
      await tokens.assign(actor, { endpointId: endpoint.id, tokenId: token.id, methods: ['GET' as never] });
      await tokens.assign(actor, { endpointId: second.id, tokenId: token.id, methods: ['POST' as never] });
      // Seeding bypasses HTTP; keep the client's pooled connection from idling past the server's
      // keep-alive timeout, which would race with the next request (ECONNRESET on a busy machine).
      if (index % 10 === 9) await tessera.gql(ViewerDocument, {});
    }

    async function statementsFor(first: number): Promise<number> {
      await tessera.gql(ViewerDocument, {}); // the admin token's verification is cached before counting
      statements.length = 0;
      counting = true;
      const list = dataOf(await tessera.gql(EndpointTokensDocument, { first }));
      const tab = dataOf(await tessera.gql(EndpointTokenTabDocument, { id: endpoint.id, first, hideUnassigned: true }));
      counting = false;
      expect(list.endpointTokens.edges).toHaveLength(first);
      expect(list.endpointTokens.edges.every((edge) => edge.node.assignments.length === 2 && edge.node.assignments.every((a) => a.endpoint?.id))).toBe(true);
      expect(tab.endpoint.tokens.edges).toHaveLength(first);
      return statements.filter((sql) => /^\s*select/i.test(sql)).length;
    }

    const forTen = await statementsFor(10);
    const forHundred = await statementsFor(100);
    expect(forHundred).toBe(forTen);
    expect(forTen).toBeLessThan(15);
  });
});

describe('secondary endpoint tokens across instances on postgres', () => {
  let first: TestInstance;
  let second: TestInstance;

  beforeAll(async () => {
    first = await startTessera({ backend: 'postgres' });
    second = await startSibling(first, { backend: 'postgres' });
  });

  afterAll(async () => {
    await second?.close();
    await first?.close();
  });

  it('should make every instance forget a cached token the moment its assignment changes', async () => {
    const endpoint = dataOf(
      await first.gql(CreateEndpointDocument, { input: { name: 'Shared', path: uniquePath('shared'), authentication: 'TOKEN', allowDelete: false } }),
    ).createEndpoint.endpoint;
    const { endpointToken, secret } = dataOf(await first.gql(CreateEndpointTokenDocument, { input: { name: 'roaming app' } })).createEndpointToken;
    const assignment = dataOf(
      await first.gql(AssignEndpointTokenDocument, { input: { endpointId: endpoint.id, tokenId: endpointToken.id, methods: ['POST'] } }),
    ).assignEndpointToken.assignment;
    // The second instance caches the token's assignments while it is accepted there.
    expect((await callEndpoint(second.url, 'POST', endpoint.path, { token: secret, body: {} })).status).toBe(200);

    dataOf(await first.gql(SetAssignmentEnabledDocument, { id: assignment.id, enabled: false }));
    const refused = await callEndpoint(second.url, 'POST', endpoint.path, { token: secret, body: {} });
    expect([refused.status, refused.body.error?.reason]).toEqual([403, 'DISABLED']);

    dataOf(await first.gql(SetAssignmentEnabledDocument, { id: assignment.id, enabled: true }));
    expect((await callEndpoint(second.url, 'POST', endpoint.path, { token: secret, body: {} })).status).toBe(200);
    dataOf(await first.gql(UnassignEndpointTokenDocument, { id: assignment.id }));
    expect((await callEndpoint(second.url, 'POST', endpoint.path, { token: secret, body: {} })).body.error?.reason).toBe('UNKNOWN');
  });
});
