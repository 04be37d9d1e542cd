import { CloseCode } from '../shared/close-codes';
import {
  CreateAppDocument,
  CreatePatDocument,
  CreateUserDocument,
  DeactivateUserDocument,
  DeleteUserDocument,
  OnRevocationNoticesDocument,
  OnTokenEventsDocument,
  ReactivateUserDocument,
  RevokePatDocument,
  UpdateUserDocument,
  UsersDocument,
  ViewerDocument,
} from './generated/graphql';
import { BACKENDS, dataOf, errorCodeOf, lastEventId, startTessera, type GraphQLResponse, type TestInstance } from './harness/tessera';

/**
 * People (issue 19): administrators list, rename, re-role, deactivate, reactivate and delete the
 * people of their tenant. Stopping a person stops every token that acts as them at once (their
 * PATs and the apps they made), with an event per token; the last active administrator stays.
 */
describe.each(BACKENDS)('people, on %s', (backend) => {
  let tessera: TestInstance;
  let seq = 0;

  beforeAll(async () => {
    tessera = await startTessera({ backend });
  });

  afterAll(async () => {
    await tessera.close();
  });

  async function person(role: 'ADMIN' | 'AUTOMATION_ADMIN' | 'DEVELOPER' | 'MEMBER') {
    seq += 1;
    const { user, secret } = dataOf(
      await tessera.gql(CreateUserDocument, { input: { email: `p${seq}-${backend}@example.com`, name: `Person ${seq}`, role } }),
    ).createUser;
    return { id: user.id, secret };
  }

  async function verify(token: string): Promise<{ valid: boolean; reason: string | null }> {
    const response = await fetch(`${tessera.url}/v1/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tessera.adminToken}` },
      body: JSON.stringify({ token }),
    });
    return (await response.json()) as { valid: boolean; reason: string | null };
  }

  async function accessTokenOf(clientId: string, secret: string): Promise<{ status: number; accessToken?: string; error?: string }> {
    const response = await fetch(`${tessera.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}` },
      body: 'grant_type=client_credentials',
    });
    const body = (await response.json()) as { access_token?: string; error?: string };
    return { status: response.status, accessToken: body.access_token, error: body.error };
  }

  const reasonOf = (response: GraphQLResponse<unknown>) => response.errors?.[0]?.extensions?.reason;

  it('should list the tenant’s people with their token figures, filtered and paged, to administrators only', async () => {
    const dev = await person('DEVELOPER');
    const member = await person('MEMBER');
    await tessera.gql(CreatePatDocument, { input: { name: 'second' } }, dev.secret);
    await tessera.gql(ViewerDocument, {}, dev.secret); // a use: lastSeenAt
    const all = dataOf(await tessera.gql(UsersDocument, { first: 100 })).users;
    const listedDev = all.edges.map((edge) => edge.node).find((node) => node.id === dev.id);
    expect(listedDev).toMatchObject({ role: 'DEVELOPER', status: 'ACTIVE', activeTokenCount: 2, deactivatedAt: null });
    // lastUsedAt is written in short batches.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const again = dataOf(await tessera.gql(UsersDocument, { first: 100, filter: { role: 'DEVELOPER' } })).users;
    expect(again.edges.every((edge) => edge.node.role === 'DEVELOPER')).toBe(true);
    expect(again.edges.find((edge) => edge.node.id === dev.id)?.node.lastSeenAt).not.toBeNull();
    const firstPage = dataOf(await tessera.gql(UsersDocument, { first: 1 })).users;
    expect(firstPage.pageInfo.hasNextPage).toBe(true);
    const secondPage = dataOf(await tessera.gql(UsersDocument, { first: 1, after: firstPage.pageInfo.endCursor })).users;
    expect(secondPage.edges[0].node.id).not.toBe(firstPage.edges[0].node.id);
    expect(errorCodeOf(await tessera.gql(UsersDocument, { first: 5 }, member.secret))).toBe('FORBIDDEN');
  });

  it('should rename and re-role a person, the new role taking effect at once for their tokens, sockets and apps', async () => {
    const admin2 = await person('ADMIN');
    // An app the second administrator made acts as an automation administrator.
    const { app, secret: clientSecret } = dataOf(await tessera.gql(CreateAppDocument, { input: { name: `app of ${admin2.id}` } }, admin2.secret)).createApp;
    const { accessToken } = await accessTokenOf(app.clientId, clientSecret);
    expect(dataOf(await tessera.gql(ViewerDocument, {}, accessToken)).viewer.role).toBe('AUTOMATION_ADMIN');
    expect(dataOf(await tessera.gql(ViewerDocument, {}, admin2.secret)).viewer.role).toBe('ADMIN'); // cached now
    const socket = tessera.ws(admin2.secret);
    const feed = socket.subscribe(OnTokenEventsDocument, { after: await lastEventId(tessera) });
    // The socket is authenticated and its subscription live once it delivers.
    await tessera.gql(CreatePatDocument, { input: { name: 'marker' } }, admin2.secret);
    expect((await feed.value()).tokenEvents.type).toBe('CREATED');

    const updated = dataOf(await tessera.gql(UpdateUserDocument, { id: admin2.id, input: { name: 'Renamed', role: 'MEMBER' } })).updateUser;
    expect(updated).toMatchObject({ name: 'Renamed', role: 'MEMBER' });
    expect(dataOf(await tessera.gql(ViewerDocument, {}, admin2.secret)).viewer).toMatchObject({ role: 'MEMBER', name: 'Renamed' });
    expect(dataOf(await tessera.gql(ViewerDocument, {}, accessToken)).viewer.role).toBe('MEMBER');
    expect((await socket.closed()).code).toBe(CloseCode.RoleChanged);
    feed.unsubscribe();
    await socket.dispose();
    expect(errorCodeOf(await tessera.gql(UsersDocument, { first: 1 }, admin2.secret))).toBe('FORBIDDEN');
  });

  it('should stop every token acting as a deactivated person at once, with an event each, and let them work again when reactivated', async () => {
    const dev = await person('DEVELOPER');
    const second = dataOf(await tessera.gql(CreatePatDocument, { input: { name: 'second' } }, dev.secret)).createPersonalAccessToken;
    const revoked = dataOf(await tessera.gql(CreatePatDocument, { input: { name: 'revoked before' } }, dev.secret)).createPersonalAccessToken;
    dataOf(await tessera.gql(RevokePatDocument, { id: revoked.token.id }, dev.secret));
    const { app, secret: clientSecret } = dataOf(await tessera.gql(CreateAppDocument, { input: { name: `dev app ${dev.id}` } }, dev.secret)).createApp;
    const { accessToken } = await accessTokenOf(app.clientId, clientSecret);
    for (const value of [dev.secret, second.secret, clientSecret, accessToken!]) expect(await verify(value)).toMatchObject({ valid: true });
    const socket = tessera.ws(dev.secret);
    const held = socket.subscribe(OnTokenEventsDocument, { after: await lastEventId(tessera) });
    const listener = tessera.ws().subscribe(OnRevocationNoticesDocument, { after: await lastEventId(tessera) });

    const deactivated = dataOf(await tessera.gql(DeactivateUserDocument, { id: dev.id })).deactivateUser;
    expect(deactivated).toMatchObject({ status: 'DEACTIVATED', activeTokenCount: 2 });
    expect(deactivated.deactivatedAt).not.toBeNull();
    for (const value of [dev.secret, second.secret, clientSecret, accessToken!])
      expect(await verify(value)).toMatchObject({ valid: false, reason: 'DISABLED' });
    expect(errorCodeOf(await tessera.gql(ViewerDocument, {}, dev.secret))).toBe('UNAUTHENTICATED');
    expect((await accessTokenOf(app.clientId, clientSecret)).error).toBe('invalid_client');
    expect((await socket.closed()).code).toBe(CloseCode.Unauthorized);
    held.unsubscribe();
    // One DISABLED notice per live token (two PATs, the app's secret and access token); none for the revoked one.
    const notices = [];
    for (let i = 0; i < 4; i += 1) notices.push((await listener.value()).revocationNotices);
    expect(notices.every((event) => event.type === 'DISABLED' && event.reason === 'OWNER_DEACTIVATED')).toBe(true);
    expect(notices.map((event) => event.token.kind).sort()).toEqual(['APP_ACCESS', 'APP_SECRET', 'PERSONAL_ACCESS', 'PERSONAL_ACCESS']);
    expect(notices.map((event) => event.token.tokenId)).not.toContain(revoked.token.id);
    listener.unsubscribe();
    expect(dataOf(await tessera.gql(UsersDocument, { first: 100, filter: { status: 'DEACTIVATED' } })).users.edges.map((edge) => edge.node.id)).toContain(
      dev.id,
    );
    expect(reasonOf(await tessera.gql(DeactivateUserDocument, { id: dev.id }))).toBe('ALREADY_DEACTIVATED');

    const reactivated = dataOf(await tessera.gql(ReactivateUserDocument, { id: dev.id })).reactivateUser;
    expect(reactivated).toMatchObject({ status: 'ACTIVE', deactivatedAt: null });
    for (const value of [dev.secret, second.secret, clientSecret, accessToken!]) expect(await verify(value)).toMatchObject({ valid: true });
    expect(await verify(revoked.secret)).toMatchObject({ valid: false, reason: 'REVOKED' });
    expect(reasonOf(await tessera.gql(ReactivateUserDocument, { id: dev.id }))).toBe('NOT_DEACTIVATED');
  });

  it('should delete a person: their tokens revoked with events, their apps stopped, the person gone', async () => {
    const dev = await person('DEVELOPER');
    const { app, secret: clientSecret } = dataOf(await tessera.gql(CreateAppDocument, { input: { name: `doomed app ${dev.id}` } }, dev.secret)).createApp;
    const listener = tessera.ws().subscribe(OnRevocationNoticesDocument, { after: await lastEventId(tessera) });
    expect(dataOf(await tessera.gql(DeleteUserDocument, { id: dev.id })).deleteUser.id).toBe(dev.id);
    expect(await verify(dev.secret)).toMatchObject({ valid: false, reason: 'REVOKED' });
    expect((await accessTokenOf(app.clientId, clientSecret)).error).toBe('invalid_client');
    const [first, second] = [(await listener.value()).revocationNotices, (await listener.value()).revocationNotices];
    expect([first, second].map((event) => `${event.type}:${event.token.kind}:${event.reason}`).sort()).toEqual([
      'DISABLED:APP_SECRET:OWNER_DELETED',
      'REVOKED:PERSONAL_ACCESS:OWNER_DELETED',
    ]);
    listener.unsubscribe();
    expect(dataOf(await tessera.gql(UsersDocument, { first: 100 })).users.edges.map((edge) => edge.node.id)).not.toContain(dev.id);
    expect(errorCodeOf(await tessera.gql(DeleteUserDocument, { id: dev.id }))).toBe('NOT_FOUND');
  });

  it('should keep the last active administrator: no deactivating, deleting or demoting them (CONFLICT), and change nothing', async () => {
    const fresh = await startTessera({ backend });
    try {
      const me = dataOf(await fresh.gql(ViewerDocument, {})).viewer.id;
      for (const response of [
        await fresh.gql(DeactivateUserDocument, { id: me }),
        await fresh.gql(DeleteUserDocument, { id: me }),
        await fresh.gql(UpdateUserDocument, { id: me, input: { role: 'DEVELOPER' } }),
      ]) {
        expect(errorCodeOf(response)).toBe('CONFLICT');
        expect(reasonOf(response)).toBe('LAST_ADMIN');
      }
      expect(dataOf(await fresh.gql(ViewerDocument, {})).viewer.role).toBe('ADMIN');
      // With a second administrator, one of them may go — and then the other is the last.
      const other = dataOf(await fresh.gql(CreateUserDocument, { input: { email: 'second@example.com', name: 'Second', role: 'ADMIN' } })).createUser;
      // Both demote each other at once: exactly one succeeds.
      const [mine, theirs] = await Promise.all([
        fresh.gql(UpdateUserDocument, { id: other.user.id, input: { role: 'MEMBER' } }),
        fresh.gql(UpdateUserDocument, { id: me, input: { role: 'MEMBER' } }, other.secret),
      ]);
      // The other is refused: the last administrator (CONFLICT), or no longer one when it ran (FORBIDDEN).
      expect([mine, theirs].filter((response) => !response.errors).length).toBe(1);
      expect(['CONFLICT', 'FORBIDDEN']).toContain(errorCodeOf(mine.errors ? mine : theirs));
      const admins = dataOf(
        await fresh.gql(UsersDocument, { first: 10, filter: { role: 'ADMIN', status: 'ACTIVE' } }, mine.errors ? other.secret : undefined),
      ).users;
      expect(admins.totalCount).toBe(1);
    } finally {
      await fresh.close();
    }
  });

  it('should answer an unknown or foreign person NOT_FOUND and bad input BAD_USER_INPUT', async () => {
    expect(errorCodeOf(await tessera.gql(DeactivateUserDocument, { id: 'usr_nope' }))).toBe('NOT_FOUND');
    expect(errorCodeOf(await tessera.gql(UpdateUserDocument, { id: 'usr_nope', input: { name: 'x' } }))).toBe('NOT_FOUND');
    const member = await person('MEMBER');
    expect(errorCodeOf(await tessera.gql(UpdateUserDocument, { id: member.id, input: { name: '' } }))).toBe('BAD_USER_INPUT');
    expect(errorCodeOf(await tessera.gql(DeactivateUserDocument, { id: member.id }, member.secret))).toBe('FORBIDDEN');
  });
});
