import { CloseCode } from '../shared/close-codes';
import WebSocket from 'ws';
import { CreateEndpointDocument, OnTokenEventsDocument, ViewerDocument } from './generated/graphql';
import { startRedis, type RedisServer } from './harness/services';
import { dataOf, errorCodeOf, startSibling, startTessera, type TestInstance } from './harness/tessera';
import { GRAPHQL_MAX_BODY_BYTES } from '../src/core/http';

describe('GraphQL and WebSocket limits', () => {
  let tessera: TestInstance;

  beforeAll(async () => {
    tessera = await startTessera({
      backend: 'sqlite',
      env: {
        TESSERA_MAX_QUERY_DEPTH: '4',
        TESSERA_MAX_QUERY_COST: '300',
        TESSERA_MAX_SUBSCRIPTIONS_PER_CONNECTION: '2',
        TESSERA_MAX_CONNECTIONS_PER_TOKEN: '2',
        TESSERA_WS_INIT_TIMEOUT_MS: '300',
      },
    });
  });

  afterAll(async () => {
    await tessera.close();
  });

  it('should refuse a query nested deeper than the limit before running it', async () => {
    expect((await tessera.raw({ query: '{ viewer { tenant { id } } }' })).body.errors).toBeUndefined();
    const deep = await tessera.raw({ query: '{ tokenEvents { edges { node { token { tokenId } } } } }' });
    expect(deep.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(deep.body.errors?.[0]?.message).toMatch(/depth/i);
  });

  it('should refuse a document whose estimated cost is past the limit', async () => {
    const heavy = Array.from(
      { length: 10 },
      (_, i) => `a${i}: auditLog { edges { node { id action actorType actorId targetType targetId targetName requestId occurredAt } } }`,
    ).join(' ');
    expect((await tessera.raw({ query: '{ auditLog { edges { node { id action } } } }' })).body.errors).toBeUndefined();
    const costly = await tessera.raw({ query: `{ ${heavy} }` });
    expect(costly.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(costly.body.errors?.[0]?.message).toMatch(/cost/i);
  });

  it('should refuse a document with too many aliases', async () => {
    const aliases = Array.from({ length: 20 }, (_, i) => `v${i}: viewer { id }`).join(' ');
    const response = await tessera.raw({ query: `{ ${aliases} }` });
    expect(response.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(response.body.errors?.[0]?.message).toMatch(/alias/i);
  });

  it('should refuse introspection when it is switched off', async () => {
    const closed = await startTessera({ backend: 'sqlite', env: { TESSERA_INTROSPECTION: 'false' } });
    try {
      const response = await closed.raw({ query: '{ __schema { types { name } } }' });
      expect(response.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(response.body.data ?? null).toBeNull();
      // Nor does it suggest field names to anyone (here, anonymously).
      const typo = await closed.raw({ query: '{ viewr { id } }' });
      expect(typo.body.errors?.[0]?.message).toMatch(/viewr/);
      expect(JSON.stringify(typo.body)).not.toMatch(/Did you mean|viewer/);
      // Nor enum values in a variable, over HTTP and over graphql-ws (Apollo left those).
      const enumTypo = {
        query: 'query Q($f: TokenEventFilter) { tokenEvents(first: 1, filter: $f) { totalCount } }',
        variables: { f: { kinds: ['PERSONAL_ACCES'] } },
      };
      const badEnum = await closed.raw(enumTypo);
      expect(badEnum.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(JSON.stringify(badEnum.body)).not.toMatch(/Did you mean|"PERSONAL_ACCESS"/);
      // The same over graphql-ws: no introspection, no suggestions.
      const client = closed.ws();
      const overSocket = (query: string) =>
        new Promise<unknown>((resolve) => {
          client.client.subscribe({ query }, { next: (result) => resolve(result), error: (error) => resolve(error), complete: () => undefined });
        });
      const socketTypo = JSON.stringify(await overSocket('subscription { tokenEvent { id } }'));
      expect(socketTypo).toMatch(/tokenEvent/);
      expect(socketTypo).not.toMatch(/Did you mean|tokenEvents/);
      const socketEnum = await new Promise<unknown>((resolve) => {
        client.client.subscribe(enumTypo, { next: (result) => resolve(result), error: (error) => resolve(error), complete: () => undefined });
      });
      expect(JSON.stringify(socketEnum)).not.toMatch(/Did you mean|"PERSONAL_ACCESS"/);
      const socketSchema = JSON.stringify(await overSocket('query { __schema { types { name } } }'));
      expect(socketSchema).toMatch(/introspection/i);
      expect(socketSchema).not.toMatch(/"Query"/);
      await client.dispose();
    } finally {
      await closed.close();
    }
    expect((await tessera.raw({ query: '{ __schema { queryType { name } } }' })).body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });

  it('should refuse a cross-site simple request (CSRF prevention)', async () => {
    // A browser form can send text/plain without a preflight: Apollo refuses it. (With an
    // Authorization header no browser sends it cross-site without a preflight: then it is served,
    // see graphql-over-http.test.ts.)
    const simple = await fetch(`${tessera.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ query: '{ viewer { id } }' }),
    });
    expect(simple.status).toBe(400);
    const get = await fetch(`${tessera.url}/graphql?query=${encodeURIComponent('{ viewer { id } }')}`);
    expect(get.status).toBe(400);
    expect(await get.text()).toMatch(/CSRF|preflight/i);
  });

  it('should refuse batched operations and oversized bodies', async () => {
    const batch = await tessera.raw([{ query: '{ viewer { id } }' }, { query: '{ viewer { id } }' }]);
    expect(batch.status).toBe(400);
    const huge = await tessera.raw({ query: '{ viewer { id } }', variables: { padding: 'x'.repeat(GRAPHQL_MAX_BODY_BYTES + 1) } });
    expect(huge.status).toBe(413);
    expect(JSON.stringify(huge.body)).toContain('PAYLOAD_TOO_LARGE');
  });

  it('should cap the subscriptions one connection may hold', async () => {
    const client = tessera.ws();
    const first = client.subscribe(OnTokenEventsDocument, {});
    const second = client.subscribe(OnTokenEventsDocument, {});
    const third = client.subscribe(OnTokenEventsDocument, {});
    const refused = await third.next();
    expect(refused.kind).toBe('error');
    expect(JSON.stringify(refused)).toContain('at most 2 live operations');
    expect(first.pending + second.pending).toBe(0);
    first.unsubscribe();
    second.unsubscribe();
  });

  it('should cap the connections one token may hold', async () => {
    const clients = [tessera.ws(), tessera.ws(), tessera.ws()];
    const subs = clients.map((client) => client.subscribe(OnTokenEventsDocument, {}));
    const closed = await clients[2].closed();
    expect(closed.code).toBe(CloseCode.TooManyConnections);
    subs.forEach((sub) => sub.unsubscribe());
    await Promise.all(clients.map((client) => client.dispose()));
  });

  it('should close a connection that never sends connection_init', async () => {
    const socket = new WebSocket(tessera.url.replace(/^http/, 'ws') + '/graphql', 'graphql-transport-ws');
    const code = await new Promise<number>((resolve) => socket.on('close', (closeCode) => resolve(closeCode)));
    expect(code).toBe(4408);
  });
});

describe('rate limiting of the endpoint ingress', () => {
  it('should answer 429 with Retry-After past the per-token limit, and count each token apart', async () => {
    const tessera = await startTessera({ backend: 'sqlite', env: { TESSERA_RATE_INGRESS_PER_MINUTE: '3' } });
    try {
      const { endpoint } = dataOf(
        await tessera.gql(CreateEndpointDocument, { input: { name: 'limited', path: 'limited', authentication: 'TOKEN' } }),
      ).createEndpoint;
      const tokenFor = (method: string) => endpoint.primaryTokens.find((token) => token.method === method)?.secret as string;
      const call = (token: string) => fetch(`${tessera.url}/endpoints/limited`, { headers: { 'x-tessera-token': token } });
      for (let i = 0; i < 3; i += 1) expect((await call(tokenFor('GET'))).status).toBe(200);
      const limited = await call(tokenFor('GET'));
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
      // Another token has its own allowance (it is refused for its method, not rate limited).
      expect((await call(tokenFor('POST'))).status).toBe(403);
    } finally {
      await tessera.close();
    }
  });
});

describe('rate limiting of POST /v1/verify', () => {
  it('should answer 429 with Retry-After past the per-caller and per-address limits, counting each caller apart', async () => {
    const tessera = await startTessera({
      backend: 'sqlite',
      env: { TESSERA_RATE_VERIFY_PER_TOKEN_PER_MINUTE: '3', TESSERA_RATE_VERIFY_PER_IP_PER_MINUTE: '6' },
    });
    try {
      const other = await tessera.server.services.users.createTenantWithAdmin({ tenantName: 'Other', adminEmail: 'rate@other.example', adminName: 'Other' });
      const verify = (caller: string) =>
        fetch(`${tessera.url}/v1/verify`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${caller}` },
          body: JSON.stringify({ token: 'x'.repeat(40) }),
        });
      for (let i = 0; i < 3; i += 1) expect((await verify(tessera.adminToken)).status).toBe(200);
      const limited = await verify(tessera.adminToken);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
      // Another caller has its own allowance, until the address (6 requests so far, refused ones too) runs out.
      expect((await verify(other.secret)).status).toBe(200);
      expect((await verify(other.secret)).status).toBe(200);
      const address = await verify(other.secret);
      expect(address.status).toBe(429);
      expect(((await address.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
    } finally {
      await tessera.close();
    }
  });
});

describe('rate limiting of POST /v1/verify, shared through Redis', () => {
  it('should count an address across instances and refuse it past the limit on either', async () => {
    const redis = await startRedis();
    const env = { TESSERA_RATE_VERIFY_PER_IP_PER_MINUTE: '4' };
    const a = await startTessera({ backend: 'postgres', redis: redis.url, env });
    const b = await startSibling(a, { backend: 'postgres', redis: redis.url, env });
    try {
      const verify = (instance: TestInstance) =>
        fetch(`${instance.url}/v1/verify`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${a.adminToken}` },
          body: JSON.stringify({ token: 'x'.repeat(40) }),
        });
      const answers = [await verify(a), await verify(b), await verify(a), await verify(b)];
      expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
      expect((await answers[0].json()) as { valid: boolean; reason: string }).toMatchObject({ valid: false, reason: 'UNKNOWN' });
      const limited = await verify(a);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
      expect((await verify(b)).status).toBe(429);
    } finally {
      await Promise.all([a.close(), b.close()]);
      await redis.stop();
    }
  });
});

describe('rate limiting of failed authentication, shared through Redis', () => {
  let redis: RedisServer;
  let a: TestInstance;
  let b: TestInstance;

  beforeAll(async () => {
    redis = await startRedis();
    const env = { TESSERA_RATE_AUTH_FAILURES_PER_MINUTE: '3' };
    a = await startTessera({ backend: 'postgres', redis: redis.url, env });
    b = await startSibling(a, { backend: 'postgres', redis: redis.url, env });
  });

  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
    await redis.stop();
  });

  it('should answer 429 with Retry-After once an address passes its failure limit on any instance', async () => {
    const bad = 'tsp_' + 'B'.repeat(46);
    expect(errorCodeOf(await a.gql(ViewerDocument, {}, bad))).toBe('UNAUTHENTICATED');
    expect(errorCodeOf(await b.gql(ViewerDocument, {}, 'x'.repeat(40)))).toBe('UNAUTHENTICATED');
    expect(errorCodeOf(await a.gql(ViewerDocument, {}, 'y'.repeat(40)))).toBe('UNAUTHENTICATED');
    const limited = await fetch(`${b.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${bad}` },
      body: JSON.stringify({ query: '{ viewer { id } }' }),
    });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    const body = (await limited.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0].extensions.code).toBe('RATE_LIMITED');
    const rest = await fetch(`${a.url}/v1/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${bad}` },
      body: JSON.stringify({ token: 'x' }),
    });
    expect(rest.status).toBe(429);
    expect(rest.headers.get('retry-after')).not.toBeNull();
    // The guesses are refused, not the valid callers at the same address.
    const valid = await fetch(`${a.url}/v1/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${a.adminToken}` },
      body: JSON.stringify({ token: 'x'.repeat(40) }),
    });
    expect(valid.status).toBe(200);
    expect(errorCodeOf(await b.gql(ViewerDocument, {}))).toBeUndefined();
    // Anonymous requests (no token presented) are not authentication failures.
    expect(errorCodeOf(await a.gql(ViewerDocument, {}, null))).toBe('UNAUTHENTICATED');
  });
});
