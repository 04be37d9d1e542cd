import { CreatePatDocument, OnRevocationNoticesDocument, OwnPatsDocument, RevokePatDocument, RotatePatDocument, ViewerDocument } from './generated/graphql';
import { BACKENDS, dataOf, errorCodeOf, lastEventId, startTessera, type GraphQLResponse, type TestInstance } from './harness/tessera';
import { newUser, publish, startWorkflow } from './workflows-helpers';

/**
 * Least privilege and self-rotation for personal access tokens (issue 19): scopes narrow a token
 * below its owner's role on every transport — GraphQL over HTTP and WebSocket (the access matrix
 * holds every operation), and the REST routes here — and a token can swap its own value.
 */
describe.each(BACKENDS)('scopes and rotation, on %s', (backend) => {
  let tessera: TestInstance;

  beforeAll(async () => {
    tessera = await startTessera({ backend });
  });

  afterAll(async () => {
    await tessera.close();
  });

  const reasonOf = (response: GraphQLResponse<unknown>) => response.errors?.[0]?.extensions?.reason;

  async function scoped(scopes: ('READ' | 'WRITE' | 'VERIFY' | 'START_WORKFLOWS')[], as = tessera.adminToken, duration: 'DAYS_7' | 'DAYS_30' = 'DAYS_30') {
    return dataOf(await tessera.gql(CreatePatDocument, { input: { name: `scoped ${scopes.join('+')}`, scopes, duration } }, as)).createPersonalAccessToken;
  }

  async function verifyWith(
    caller: string,
    token: string,
  ): Promise<{ status: number; body: { valid?: boolean; reason?: string | null; error?: { code: string; reason?: string } } }> {
    const response = await fetch(`${tessera.url}/v1/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${caller}` },
      body: JSON.stringify({ token }),
    });
    return { status: response.status, body: (await response.json()) as never };
  }

  it('should let a gateway token only verify, and a CI token only start workflows, on the REST routes too', async () => {
    const { workflow } = await publish(tessera);
    const gateway = await scoped(['VERIFY']);
    const ci = await scoped(['START_WORKFLOWS']);
    const full = await scoped(['WRITE']);
    const reader = await scoped(['READ']);

    expect(await verifyWith(gateway.secret, full.secret)).toMatchObject({ status: 200, body: { valid: true } });
    expect(await verifyWith(reader.secret, full.secret)).toMatchObject({ status: 200, body: { valid: true } });
    expect(await verifyWith(ci.secret, full.secret)).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN', reason: 'INSUFFICIENT_SCOPE' } } });

    expect((await startWorkflow(tessera, workflow.id, { bearer: ci.secret, body: {} })).status).toBe(201);
    expect((await startWorkflow(tessera, workflow.id, { bearer: full.secret, body: {} })).status).toBe(201);
    for (const refused of [gateway, reader]) {
      const response = await startWorkflow(tessera, workflow.id, { bearer: refused.secret, body: {} });
      expect({ status: response.status, reason: response.body.error?.reason }).toEqual({ status: 403, reason: 'INSUFFICIENT_SCOPE' });
    }

    // GraphQL: who am I works for every scope; nothing else does for the narrow ones.
    for (const token of [gateway, ci]) expect(dataOf(await tessera.gql(ViewerDocument, {}, token.secret)).viewer.tokenId).toBe(token.token.id);
    const listed = await tessera.gql(OwnPatsDocument, {}, ci.secret);
    expect({ code: errorCodeOf(listed), reason: reasonOf(listed) }).toEqual({ code: 'FORBIDDEN', reason: 'INSUFFICIENT_SCOPE' });
    expect(errorCodeOf(await tessera.gql(RevokePatDocument, { id: full.token.id }, reader.secret))).toBe('FORBIDDEN');
    // The scopes are shown, and never widen the role: a member's WRITE token still cannot list people.
    expect(dataOf(await tessera.gql(OwnPatsDocument, {})).personalAccessTokens.edges.find((edge) => edge.node.id === gateway.token.id)?.node.scopes).toEqual([
      'VERIFY',
    ]);
    const member = await newUser(tessera, 'MEMBER');
    const memberWrite = await scoped(['WRITE'], member.token);
    expect((await startWorkflow(tessera, workflow.id, { bearer: memberWrite.secret, body: {} })).status).toBe(403);
  });

  it('should let a token rotate itself: a new value, same name, scopes and duration, the old value stopped at once', async () => {
    const gateway = await scoped(['VERIFY'], tessera.adminToken, 'DAYS_7');
    const listener = tessera.ws().subscribe(OnRevocationNoticesDocument, { after: await lastEventId(tessera), filter: { tokenIds: [gateway.token.id] } });
    tessera.clock.advance(3 * 86_400_000);
    try {
      const rotated = dataOf(await tessera.gql(RotatePatDocument, { id: gateway.token.id }, gateway.secret)).rotatePersonalAccessToken;
      expect(rotated.token).toMatchObject({ id: gateway.token.id, name: gateway.token.name, scopes: ['VERIFY'], duration: 'DAYS_7', status: 'ACTIVE' });
      expect(new Date(String(rotated.token.expiresAt)).getTime()).toBe(tessera.clock.now().getTime() + 7 * 86_400_000);
      expect(rotated.graceEndsAt).toBeNull();
      expect(rotated.secret).not.toBe(gateway.secret);
      expect(errorCodeOf(await tessera.gql(ViewerDocument, {}, gateway.secret))).toBe('UNAUTHENTICATED');
      expect(dataOf(await tessera.gql(ViewerDocument, {}, rotated.secret)).viewer.tokenId).toBe(gateway.token.id);
      expect((await listener.value()).revocationNotices).toMatchObject({ type: 'REGENERATED', token: { tokenId: gateway.token.id } });
    } finally {
      tessera.clock.advance(-3 * 86_400_000);
      listener.unsubscribe();
    }
  });

  it('should keep the previous value for the overlap asked, and refuse what rotation may not do', async () => {
    const mine = await scoped(['WRITE']);
    const other = await scoped(['WRITE']);
    const gateway = await scoped(['VERIFY']);
    const rotated = dataOf(await tessera.gql(RotatePatDocument, { id: mine.token.id, graceSeconds: 60 })).rotatePersonalAccessToken;
    expect(new Date(String(rotated.graceEndsAt)).getTime()).toBe(tessera.clock.now().getTime() + 60_000);
    expect(dataOf(await tessera.gql(ViewerDocument, {}, mine.secret)).viewer.tokenId).toBe(mine.token.id);
    tessera.clock.advance(61_000);
    try {
      expect(errorCodeOf(await tessera.gql(ViewerDocument, {}, mine.secret))).toBe('UNAUTHENTICATED');
    } finally {
      tessera.clock.advance(-61_000);
    }
    // A scoped token rotates only itself; nobody rotates another person's token; a stopped token is not rotated.
    expect(errorCodeOf(await tessera.gql(RotatePatDocument, { id: other.token.id }, gateway.secret))).toBe('FORBIDDEN');
    const member = await newUser(tessera, 'MEMBER');
    const memberPats = dataOf(await tessera.gql(OwnPatsDocument, {}, member.token)).personalAccessTokens.edges;
    expect(errorCodeOf(await tessera.gql(RotatePatDocument, { id: memberPats[0].node.id }))).toBe('FORBIDDEN');
    expect(errorCodeOf(await tessera.gql(RotatePatDocument, { id: other.token.id }, member.token))).toBe('NOT_FOUND');
    dataOf(await tessera.gql(RevokePatDocument, { id: other.token.id }));
    const stopped = await tessera.gql(RotatePatDocument, { id: other.token.id });
    expect({ code: errorCodeOf(stopped), reason: reasonOf(stopped) }).toEqual({ code: 'CONFLICT', reason: 'NOT_ACTIVE' });
    expect(errorCodeOf(await tessera.gql(RotatePatDocument, { id: mine.token.id, graceSeconds: 3601 }))).toBe('BAD_USER_INPUT');
  });
});
