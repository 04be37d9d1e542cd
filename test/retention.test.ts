import { DAY } from '../src/core/clock';
import type { TokenKind } from '../src/core/tokens/token-kind';
import { TokenRecord } from '../src/core/tokens/token.entity';
import {
  CreateAppDocument,
  CreatePatDocument,
  OnTokenEventsDocument,
  RevokePatDocument,
  TokenEventsHistoryDocument,
  VerifyTokenDocument,
} from './generated/graphql';
import { BACKENDS, dataOf, startTessera, type TestInstance } from './harness/tessera';

/**
 * Retention keeps storage bounded: events older than TESSERA_EVENT_RETENTION_DAYS go (oldest
 * first, so what stays is a complete suffix), a listener whose `after` predates the pruned ones
 * is told so instead of silently missing events, and expired app access tokens go after
 * TESSERA_EXPIRED_TOKEN_RETENTION_DAYS. Time moves on the injectable clock.
 */
describe.each(BACKENDS)('retention on %s', (backend) => {
  let tessera: TestInstance;

  beforeAll(async () => {
    tessera = await startTessera({ backend, sweep: false, env: { TESSERA_EVENT_RETENTION_DAYS: '30', TESSERA_EXPIRED_TOKEN_RETENTION_DAYS: '2' } });
  });

  afterAll(async () => {
    await tessera.close();
  });

  const history = async (after?: string) => tessera.gql(TokenEventsHistoryDocument, { first: 100, after });
  const createPat = async (name: string) => dataOf(await tessera.gql(CreatePatDocument, { input: { name, duration: 'YEAR' } })).createPersonalAccessToken;

  it('should prune events past retention, keep the newer ones, and refuse a replay that would have gaps', async () => {
    const old = await createPat('old');
    dataOf(await tessera.gql(RevokePatDocument, { id: old.token.id }));
    const oldEvents = dataOf(await history()).tokenEvents.edges.map((edge) => edge.node);
    const lastOld = oldEvents[oldEvents.length - 1].id;
    expect(oldEvents.map((event) => event.token.tokenId)).toContain(old.token.id);

    // Nothing is past retention yet: a run removes nothing.
    expect(await tessera.server.retention.run()).toBe(0);

    tessera.clock.set(new Date(tessera.clock.now().getTime() + 31 * DAY));
    const recent = await createPat('recent');
    expect(await tessera.server.retention.run()).toBeGreaterThanOrEqual(oldEvents.length);

    const kept = dataOf(await history()).tokenEvents;
    expect(kept.edges.map((edge) => edge.node.token.tokenId)).toEqual([recent.token.id]);
    expect(kept.totalCount).toBe(1);

    // A replay from before the pruned events would miss some: refused, with a code and a reason.
    const refused = await history('0');
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after', reason: 'EVENTS_PRUNED' });
    const listener = tessera.ws().subscribe(OnTokenEventsDocument, { after: oldEvents[0].id });
    const delivery = await listener.next();
    expect(delivery.kind).toBe('error');
    expect(JSON.stringify(delivery)).toContain('EVENTS_PRUNED');
    listener.unsubscribe();

    // From the watermark on, the replay is complete: the recent event, then live ones.
    const resumed = tessera.ws().subscribe(OnTokenEventsDocument, { after: lastOld });
    expect((await resumed.value()).tokenEvents.token.tokenId).toBe(recent.token.id);
    const live = await createPat('live');
    expect((await resumed.value()).tokenEvents.token.tokenId).toBe(live.token.id);
    resumed.unsubscribe();
    // The pruned tokens themselves are untouched: only their history went.
    expect(dataOf(await tessera.gql(VerifyTokenDocument, { token: old.secret })).verifyToken).toMatchObject({ valid: false, reason: 'REVOKED' });
  });

  it('should delete app access tokens expired for longer than their retention, and nothing else', async () => {
    const { app, secret } = dataOf(
      await tessera.gql(CreateAppDocument, { input: { name: `retention ${backend}`, accessTokenLifetimeSeconds: 300 } }),
    ).createApp;
    const response = await fetch(`${tessera.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${app.clientId}:${secret}`).toString('base64')}` },
      body: 'grant_type=client_credentials',
    });
    expect(response.status).toBe(200);
    const accessToken = ((await response.json()) as { access_token: string }).access_token;
    const pat = await createPat('long lived');
    const em = () => tessera.server.orm.em.fork();
    const accessTokenId = (await em().findOneOrFail(TokenRecord, { kind: 'APP_ACCESS', subjectId: app.id })).id;

    // Expired, but not for long enough: still there, and reported as expired.
    tessera.clock.set(new Date(tessera.clock.now().getTime() + DAY));
    await tessera.server.retention.run();
    expect(await em().count(TokenRecord, { id: accessTokenId })).toBe(1);
    expect(dataOf(await tessera.gql(VerifyTokenDocument, { token: accessToken })).verifyToken).toMatchObject({ valid: false, reason: 'EXPIRED' });

    tessera.clock.set(new Date(tessera.clock.now().getTime() + 2 * DAY));
    await tessera.server.retention.run();
    expect(await em().count(TokenRecord, { id: accessTokenId })).toBe(0);
    // The app's own secret and a personal access token are other kinds: kept, and still valid.
    expect(await em().count(TokenRecord, { kind: 'APP_SECRET', subjectId: app.id })).toBe(1);
    expect(dataOf(await tessera.gql(VerifyTokenDocument, { token: secret })).verifyToken.valid).toBe(true);
    expect(dataOf(await tessera.gql(VerifyTokenDocument, { token: pat.secret })).verifyToken.valid).toBe(true);
  });
});
