import { DAY } from '../src/core/clock';
import { ManualClock } from '../src/core/clock';
import {
  CreatePatDocument,
  CreateUserDocument,
  ViewerDocument,
  OnExpiryNoticesDocument,
  OnRevocationNoticesDocument,
  OnTokenEventsDocument,
  RevokePatDocument,
  TokenEventsHistoryDocument,
  type OnTokenEventsSubscription,
} from './generated/graphql';
import { TokenEventView } from '../src/notices';
import { TokenEventRecord } from '../src/core/events/event.entity';
import { TokenRecord } from '../src/core/tokens/token.entity';
import { startRedis, type RedisServer } from './harness/services';
import {
  BACKENDS,
  dataOf,
  errorCodeOf,
  eventually,
  isInOrderHistoryRead,
  lastEventId,
  startSibling,
  startTessera,
  type Subscription,
  type TestInstance,
} from './harness/tessera';

type Event = OnTokenEventsSubscription['tokenEvents'];

async function createPat(instance: TestInstance, name: string, token?: string, duration: 'YEAR' | 'DAYS_7' = 'YEAR') {
  return dataOf(await instance.gql(CreatePatDocument, { input: { name, duration } }, token)).createPersonalAccessToken;
}

async function values(subscription: Subscription<{ tokenEvents: Event }>, count: number): Promise<Event[]> {
  const received: Event[] = [];
  for (let i = 0; i < count; i += 1) received.push((await subscription.value()).tokenEvents);
  return received;
}

describe.each(BACKENDS)('notices on %s, one instance', (backend) => {
  let tessera: TestInstance;
  // Reads of the history in order made by the dispatcher (the API's own reads filter by audience).
  const historyReads: string[] = [];

  beforeAll(async () => {
    tessera = await startTessera({ backend, onQuery: (sql) => isInOrderHistoryRead(sql) && historyReads.push(sql) });
  });

  afterAll(async () => {
    await tessera.close();
  });

  it('should deliver a change to a listener as it happens, with no secret in it', async () => {
    const after = await lastEventId(tessera);
    const listener = tessera.ws().subscribe(OnTokenEventsDocument, { after });
    const { token, secret } = await createPat(tessera, 'watched');
    dataOf(await tessera.gql(RevokePatDocument, { id: token.id }));
    const [created, revoked] = await values(listener, 2);
    expect(created).toMatchObject({
      type: 'CREATED',
      token: { tokenId: token.id, kind: 'PERSONAL_ACCESS', name: 'watched', status: 'ACTIVE' },
      actor: { type: 'user' },
    });
    expect(revoked).toMatchObject({ type: 'REVOKED', token: { tokenId: token.id, status: 'REVOKED' } });
    expect(BigInt(revoked.id)).toBeGreaterThan(BigInt(created.id));
    expect(JSON.stringify([created, revoked])).not.toContain(secret);
    listener.unsubscribe();
  });

  it('should replay exactly what a listener missed, in order, then go live', async () => {
    const start = await lastEventId(tessera);
    const first = tessera.ws().subscribe(OnTokenEventsDocument, { after: start });
    await createPat(tessera, 'seen 1');
    const seen = (await first.value()).tokenEvents;
    first.unsubscribe();

    const missed = [await createPat(tessera, 'missed 1'), await createPat(tessera, 'missed 2')];
    const resumed = tessera.ws().subscribe(OnTokenEventsDocument, { after: seen.id });
    const replayed = await values(resumed, 2);
    expect(replayed.map((event) => event.token.tokenId)).toEqual(missed.map((pat) => pat.token.id));
    const live = await createPat(tessera, 'live');
    const next = (await resumed.value()).tokenEvents;
    expect(next.token.tokenId).toBe(live.token.id);
    expect(resumed.pending).toBe(0);
    const ids = [seen, ...replayed, next].map((event) => BigInt(event.id));
    expect([...ids].sort((a, b) => (a < b ? -1 : 1))).toEqual(ids);
    resumed.unsubscribe();
  });

  it('should carry only revocation-family events on revocationNotices', async () => {
    const after = await lastEventId(tessera);
    const listener = tessera.ws().subscribe(OnRevocationNoticesDocument, { after });
    const { token } = await createPat(tessera, 'family');
    dataOf(await tessera.gql(RevokePatDocument, { id: token.id }));
    const event = (await listener.value()).revocationNotices;
    expect(event).toMatchObject({ type: 'REVOKED', token: { tokenId: token.id } });
    listener.unsubscribe();
  });

  it('should close a listener without a valid token with 4401', async () => {
    const anonymous = tessera.ws(null);
    expect((await anonymous.closed()).code).toBe(4401);
    const forged = tessera.ws('tsp_' + 'A'.repeat(46));
    expect((await forged.closed()).code).toBe(4401);
  });

  it('should close a listener whose own token is revoked', async () => {
    const { token, secret } = await createPat(tessera, 'listener token');
    const client = tessera.ws(secret);
    const after = await lastEventId(tessera);
    const listener = client.subscribe(OnTokenEventsDocument, { after });
    await createPat(tessera, 'proves the socket is open', secret);
    expect((await listener.value()).tokenEvents.token.name).toBe('proves the socket is open');
    dataOf(await tessera.gql(RevokePatDocument, { id: token.id }));
    expect((await client.closed()).code).toBe(4401);
  });

  it('should show a member only the events of their own tokens, and an admin all of them', async () => {
    const member = dataOf(
      await tessera.gql(CreateUserDocument, { input: { email: `m-${Date.now()}@example.com`, name: 'Member', role: 'MEMBER' } }),
    ).createUser;
    const after = await lastEventId(tessera);
    const memberFeed = tessera.ws(member.secret).subscribe(OnTokenEventsDocument, { after });
    const adminFeed = tessera.ws().subscribe(OnTokenEventsDocument, { after });
    await createPat(tessera, 'admin only');
    const mine = await createPat(tessera, 'member own', member.secret);
    expect((await memberFeed.value()).tokenEvents.token.tokenId).toBe(mine.token.id);
    const adminSaw = await values(adminFeed, 2);
    expect(adminSaw.map((event) => event.token.name)).toEqual(['admin only', 'member own']);
    const history = dataOf(await tessera.gql(TokenEventsHistoryDocument, { first: 100, after }, member.secret)).tokenEvents;
    expect(history.edges.map((edge) => edge.node.token.name)).toEqual(['member own']);
    memberFeed.unsubscribe();
    adminFeed.unsubscribe();
  });

  it('should execute an event once per audience, not once per listener, and still respect visibility', async () => {
    const member = dataOf(
      await tessera.gql(CreateUserDocument, { input: { email: `share-${Date.now()}@example.com`, name: 'Sharer', role: 'MEMBER' } }),
    ).createUser;
    const after = await lastEventId(tessera);
    const admins = [tessera.ws().subscribe(OnTokenEventsDocument, { after }), tessera.ws().subscribe(OnTokenEventsDocument, { after })];
    const memberFeed = tessera.ws(member.secret).subscribe(OnTokenEventsDocument, { after });
    const executions = jest.spyOn(TokenEventView, 'from');
    try {
      await createPat(tessera, 'admin only (shared)');
      const own = await createPat(tessera, 'member own (shared)', member.secret);
      for (const feed of admins) expect((await values(feed, 2)).map((event) => event.token.name)).toEqual(['admin only (shared)', 'member own (shared)']);
      expect((await memberFeed.value()).tokenEvents.token.tokenId).toBe(own.token.id);
      // Two events for the admins (shared between both), one for the member: three, not five.
      expect(executions).toHaveBeenCalledTimes(3);
    } finally {
      executions.mockRestore();
      [...admins, memberFeed].forEach((feed) => feed.unsubscribe());
    }
  });

  it('should fan an event out in slices, letting I/O in between, and still reach every listener once', async () => {
    const tenantId = dataOf(await tessera.gql(ViewerDocument)).viewer.tenant.id;
    const total = 120;
    const listeners = Array.from({ length: total }, () => tessera.server.dispatcher.subscribe(tenantId, () => true));
    let received = 0;
    let receivedWhenIoRan: number | null = null;
    const firstArrivals = listeners.map((listener) =>
      listener.next().then((result) => {
        received += 1;
        // What the event loop does next after the first delivery: with slicing, an I/O-phase callback runs mid-fan-out.
        if (received === 1) setImmediate(() => (receivedWhenIoRan = received));
        return result.value;
      }),
    );
    const { token } = await createPat(tessera, 'fanned out');
    const events = await Promise.all(firstArrivals);
    expect(events.every((event) => event?.tokenId === token.id && event.type === 'CREATED')).toBe(true);
    expect(received).toBe(total);
    expect(receivedWhenIoRan).not.toBeNull();
    expect(receivedWhenIoRan).toBeLessThan(total);
    await Promise.all(listeners.map((listener) => listener.return?.()));
  });

  it('should pass over events nobody on the instance listens for without reading them, and still replay them on request', async () => {
    const tenantId = dataOf(await tessera.gql(ViewerDocument)).viewer.tenant.id;
    const before = await lastEventId(tessera);
    // Subscriptions of earlier tests close asynchronously (their complete message travels the socket).
    await eventually(async () => (tessera.server.dispatcher.listenerCount === 0 ? true : undefined), 5000, 'earlier listeners closed');
    historyReads.length = 0;
    const created = [];
    for (let i = 0; i < 3; i += 1) created.push((await createPat(tessera, `unheard ${i}`)).token.id);
    await tessera.server.dispatcher.pull();
    expect(tessera.server.dispatcher.position).toBe(await lastEventId(tessera));
    expect(historyReads).toEqual([]);
    // A listener asking for what followed `before` gets those events all the same (read for it).
    const listener = tessera.server.dispatcher.subscribe(tenantId, () => true, before);
    const replayed = [];
    for (let i = 0; i < 3; i += 1) replayed.push((await listener.next()).value?.tokenId);
    expect(replayed).toEqual(created);
    expect(historyReads.length).toBeGreaterThan(0);
    await listener.return?.();
  });

  it('should refuse a malformed after with BAD_USER_INPUT', async () => {
    expect(errorCodeOf(await tessera.gql(TokenEventsHistoryDocument, { after: 'abc' }))).toBe('BAD_USER_INPUT');
  });

  it('should emit EXPIRING_SOON once per threshold and EXPIRED once, on expiryNotices', async () => {
    const after = await lastEventId(tessera);
    const { token } = await createPat(tessera, 'expiring', undefined, 'YEAR');
    const listener = tessera.ws().subscribe(OnExpiryNoticesDocument, { after, filter: { tokenIds: [token.id] } });
    const start = tessera.clock.now();
    try {
      tessera.clock.set(new Date(start.getTime() + 340 * DAY));
      await tessera.server.sweep.run();
      await tessera.server.sweep.run();
      const thirty = (await listener.value()).expiryNotices;
      expect(thirty).toMatchObject({ type: 'EXPIRING_SOON', thresholdDays: 30, token: { tokenId: token.id, status: 'EXPIRING' } });
      expect(thirty.secondsLeft).toBe(25 * 86400);
      tessera.clock.set(new Date(start.getTime() + 359 * DAY));
      await tessera.server.sweep.run();
      expect((await listener.value()).expiryNotices).toMatchObject({ type: 'EXPIRING_SOON', thresholdDays: 7 });
      tessera.clock.set(new Date(start.getTime() + 366 * DAY));
      await tessera.server.sweep.run();
      await tessera.server.sweep.run();
      expect((await listener.value()).expiryNotices).toMatchObject({ type: 'EXPIRED', token: { tokenId: token.id, status: 'EXPIRED' } });
      const all = dataOf(
        await tessera.gql(TokenEventsHistoryDocument, { first: 100, after, filter: { tokenIds: [token.id], types: ['EXPIRING_SOON', 'EXPIRED'] } }),
      ).tokenEvents;
      expect(all.edges.map((edge) => [edge.node.type, edge.node.thresholdDays])).toEqual([
        ['EXPIRING_SOON', 30],
        ['EXPIRING_SOON', 7],
        ['EXPIRED', null],
      ]);
    } finally {
      tessera.clock.set(start);
      listener.unsubscribe();
    }
  });

  // SQLite stores milliseconds: only PostgreSQL can hold the finer times.
  (backend === 'postgres' ? it : it.skip)('should notice a token whose times were written with microseconds (an import, a fix in SQL), once', async () => {
    const after = await lastEventId(tessera);
    const { token } = await createPat(tessera, 'imported', undefined, 'YEAR');
    await tessera.server.orm.em
      .getConnection()
      .execute(`update tokens set next_notice_at = expires_at - interval '30 days' + interval '123 microseconds' where id = ?`, [token.id]);
    const start = tessera.clock.now();
    try {
      tessera.clock.set(new Date(start.getTime() + 340 * DAY));
      await tessera.server.sweep.run();
      await tessera.server.sweep.run();
      const noticed = dataOf(
        await tessera.gql(TokenEventsHistoryDocument, { first: 100, after, filter: { tokenIds: [token.id], types: ['EXPIRING_SOON', 'EXPIRED'] } }),
      ).tokenEvents;
      expect(noticed.edges.map((edge) => [edge.node.type, edge.node.thresholdDays])).toEqual([['EXPIRING_SOON', 30]]);
    } finally {
      tessera.clock.set(start);
    }
  });

  it('should sweep a backlog larger than a batch, each notice once, in batches that move on', async () => {
    const viewer = dataOf(await tessera.gql(ViewerDocument)).viewer;
    const now = tessera.clock.now().getTime();
    // 1,234 tokens (three batches) whose 30-day notice came due at distinct times in the last hour.
    const ids = Array.from({ length: 1234 }, (_, i) => `pat_backlog${String(i).padStart(12, '0')}${backend.slice(0, 2)}`);
    const em = tessera.server.orm.em.fork();
    await em.insertMany(
      TokenRecord,
      ids.map((id, i) => {
        const expiresAt = new Date(now + 20 * DAY + i * 1000);
        return {
          id,
          tenantId: viewer.tenant.id,
          kind: 'PERSONAL_ACCESS',
          name: `backlog ${i}`,
          start: 'tsp_',
          ownerId: viewer.id,
          expiresAt,
          expiringAt: new Date(expiresAt.getTime() - 30 * DAY),
          nextNoticeAt: new Date(now - 3600_000 + i * 1000),
          createdAt: new Date(now),
          updatedAt: new Date(now),
        } as TokenRecord;
      }),
    );
    expect(await tessera.server.sweep.run()).toBeGreaterThanOrEqual(ids.length);
    const events = await em.find(TokenEventRecord, { tokenId: { $in: ids } });
    expect(events).toHaveLength(ids.length);
    expect(new Set(events.map((event) => event.tokenId)).size).toBe(ids.length);
    expect(events.every((event) => event.type === 'EXPIRING_SOON' && event.data?.thresholdDays === 30)).toBe(true);
    // Nothing is due again until the 7-day threshold.
    expect(await tessera.server.sweep.run()).toBe(0);
  });

  it('should warn a short token only at the thresholds that fit its term, never at birth', async () => {
    const after = await lastEventId(tessera);
    const { token } = await createPat(tessera, 'a week', undefined, 'DAYS_7');
    expect(token.status).toBe('ACTIVE');
    const start = tessera.clock.now();
    try {
      // Thresholds 30, 7 and 1 days: only 1 day is at most half of a 7-day term.
      for (const day of [0, 1, 3, 5]) {
        tessera.clock.set(new Date(start.getTime() + day * DAY + 60_000));
        await tessera.server.sweep.run();
      }
      const early = dataOf(await tessera.gql(TokenEventsHistoryDocument, { first: 100, after, filter: { tokenIds: [token.id], types: ['EXPIRING_SOON'] } }));
      expect(early.tokenEvents.edges).toEqual([]);
      tessera.clock.set(new Date(start.getTime() + 6 * DAY + 60_000));
      await tessera.server.sweep.run();
      tessera.clock.set(new Date(start.getTime() + 8 * DAY));
      await tessera.server.sweep.run();
      const all = dataOf(
        await tessera.gql(TokenEventsHistoryDocument, { first: 100, after, filter: { tokenIds: [token.id], types: ['EXPIRING_SOON', 'EXPIRED'] } }),
      ).tokenEvents;
      expect(all.edges.map((edge) => [edge.node.type, edge.node.thresholdDays])).toEqual([
        ['EXPIRING_SOON', 1],
        ['EXPIRED', null],
      ]);
    } finally {
      tessera.clock.set(start);
    }
  });
});

describe('notices across instances on postgres and redis', () => {
  const clock = new ManualClock();
  let a: TestInstance;
  let b: TestInstance;

  beforeAll(async () => {
    a = await startTessera({ backend: 'postgres', clock });
    b = await startSibling(a, { backend: 'postgres', clock });
  });

  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
  });

  it('should deliver on instance A a revocation made on instance B', async () => {
    const { token } = await createPat(a, 'crosses instances');
    const after = await lastEventId(a);
    const listener = a.ws().subscribe(OnRevocationNoticesDocument, { after });
    dataOf(await b.gql(RevokePatDocument, { id: token.id }));
    expect((await listener.value()).revocationNotices).toMatchObject({ type: 'REVOKED', token: { tokenId: token.id } });
    listener.unsubscribe();
  });

  it('should stop a token on A before a revocation made on B returns', async () => {
    const { token, secret } = await createPat(a, 'cached on A');
    dataOf(await a.gql(ViewerDocument, {}, secret));
    dataOf(await b.gql(RevokePatDocument, { id: token.id }));
    expect(errorCodeOf(await a.gql(ViewerDocument, {}, secret))).toBe('UNAUTHENTICATED');
  });

  it("should give tenant B's listener nothing of tenant A", async () => {
    const other = await a.server.services.users.createTenantWithAdmin({ tenantName: 'Other', adminEmail: 'admin@other.example', adminName: 'Other admin' });
    const otherFeed = a.ws(other.secret).subscribe(OnTokenEventsDocument, {});
    const canary = b.ws(other.secret).subscribe(OnTokenEventsDocument, { after: await lastEventId(a, other.secret) });
    await createPat(a, 'tenant A secret business');
    const own = await createPat(b, 'tenant B own', other.secret);
    expect((await canary.value()).tokenEvents.token.tokenId).toBe(own.token.id);
    expect((await otherFeed.value()).tokenEvents.token.tokenId).toBe(own.token.id);
    const history = dataOf(await a.gql(TokenEventsHistoryDocument, { first: 100 }, other.secret)).tokenEvents;
    expect(history.edges.every((edge) => edge.node.tenantId === other.tenant.id)).toBe(true);
    otherFeed.unsubscribe();
    canary.unsubscribe();
  });

  it('should emit each expiry notice exactly once with two sweepers racing', async () => {
    const pats = await Promise.all(Array.from({ length: 30 }, (_, i) => createPat(a, `race ${i}`)));
    const ids = pats.map((pat) => pat.token.id);
    const after = await lastEventId(a);
    const start = clock.now();
    try {
      clock.set(new Date(start.getTime() + 340 * DAY));
      const [fromA, fromB] = await Promise.all([a.server.sweep.run(), b.server.sweep.run()]);
      clock.set(new Date(start.getTime() + 400 * DAY));
      const [expiredA, expiredB] = await Promise.all([a.server.sweep.run(), b.server.sweep.run()]);
      const events = dataOf(await a.gql(TokenEventsHistoryDocument, { first: 100, after, filter: { tokenIds: ids } })).tokenEvents;
      const soon = events.edges.filter((edge) => edge.node.type === 'EXPIRING_SOON');
      const expired = events.edges.filter((edge) => edge.node.type === 'EXPIRED');
      expect(new Set(soon.map((edge) => edge.node.token.tokenId)).size).toBe(30);
      expect(soon).toHaveLength(30);
      expect(expired).toHaveLength(30);
      expect(new Set(expired.map((edge) => edge.node.token.tokenId)).size).toBe(30);
      expect(fromA + fromB).toBeGreaterThanOrEqual(30);
      // Every other instance's own tokens count too; what matters: no notice twice.
      expect(expiredA + expiredB).toBeGreaterThanOrEqual(30);
    } finally {
      clock.set(start);
    }
  });
});

describe('notices through a Redis outage', () => {
  let redis: RedisServer;
  let a: TestInstance;
  let b: TestInstance;

  beforeAll(async () => {
    redis = await startRedis();
    a = await startTessera({ backend: 'postgres', redis: redis.url });
    b = await startSibling(a, { backend: 'postgres', redis: redis.url });
  });

  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
    await redis.stop();
  });

  it('should deliver every change made while Redis is down, none twice, and log the outage once', async () => {
    const after = await lastEventId(a);
    const listener = a.ws().subscribe(OnTokenEventsDocument, { after });
    const before = await createPat(b, 'before outage');
    expect((await listener.value()).tokenEvents.token.tokenId).toBe(before.token.id);

    await redis.stop();
    const during = [];
    for (let i = 0; i < 5; i += 1) during.push(await createPat(b, `during outage ${i}`));
    const duringIds = (await values(listener, 5)).map((event) => event.token.tokenId);
    expect(duringIds).toEqual(during.map((pat) => pat.token.id));

    await redis.start();
    const afterwards = [];
    for (let i = 0; i < 3; i += 1) afterwards.push(await createPat(b, `after outage ${i}`));
    const afterIds = (await values(listener, 3)).map((event) => event.token.tokenId);
    expect(afterIds).toEqual(afterwards.map((pat) => pat.token.id));
    expect(listener.pending).toBe(0);
    await expect(listener.next(500)).rejects.toThrow('no delivery');

    const outageLines = b.logs.filter((line) => line.includes('redis is unreachable'));
    expect(outageLines).toHaveLength(1);
    listener.unsubscribe();
  });
});
