import { CloseCode } from '../../shared/close-codes';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { AuditLogDocument, CreateEndpointDocument, CreatePatDocument, OnTokenEventsDocument } from '../generated/graphql';
import { BACKENDS, dataOf, startTessera, type TestInstance } from '../harness/tessera';
import { post } from './security.helpers';
import { GRAPHQL_MAX_BODY_BYTES } from '../../src/core/http';

/** A documentation-range address (never contacted: it only names a client in X-Forwarded-For). */
function someAddress(): string {
  const bytes = randomBytes(2);
  return `198.51.${bytes[0]}.${bytes[1]}`;
}

/** POST /graphql `{ viewer { id } }` as `token`, with an optional X-Forwarded-For. */
async function viewer(tessera: TestInstance, token: string, forwardedFor?: string): Promise<{ status: number; code: string | undefined }> {
  const response = await fetch(`${tessera.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}) },
    body: JSON.stringify({ query: '{ viewer { id } }' }),
  });
  const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
  return { status: response.status, code: body.errors?.[0]?.extensions?.code };
}

/** Opens a raw graphql-ws socket, sends connection_init with `token`: 'ack' or the close code. */
function connect(tessera: TestInstance, token: string, forwardedFor?: string): Promise<'ack' | number> {
  const socket = new WebSocket(tessera.url.replace(/^http/, 'ws') + '/graphql', 'graphql-transport-ws', {
    headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {},
  });
  return new Promise((resolve, reject) => {
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
    socket.on('message', (data) => {
      if (JSON.parse(String(data)).type === 'connection_ack') {
        resolve('ack');
        socket.close();
      }
    });
    socket.on('close', (code) => resolve(code));
    socket.on('error', reject);
  });
}

const BAD = 'tsp_' + 'Z'.repeat(46);

describe.each(BACKENDS)('transport bounds and per-address limits (%s)', (backend) => {
  let tessera: TestInstance;
  let plain: TestInstance;

  beforeAll(async () => {
    tessera = await startTessera({ backend, env: { TESSERA_TRUST_PROXY: 'loopback', TESSERA_RATE_AUTH_FAILURES_PER_MINUTE: '3' } });
    plain = await startTessera({ backend, env: { TESSERA_RATE_AUTH_FAILURES_PER_MINUTE: '3' } });
  });

  afterAll(async () => {
    await Promise.all([tessera?.close(), plain?.close()]);
  });

  it('should close a socket whose first message is past the bound with 1009, before parsing it', async () => {
    const socket = new WebSocket(tessera.url.replace(/^http/, 'ws') + '/graphql', 'graphql-transport-ws');
    const code = await new Promise<number>((resolve, reject) => {
      socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { padding: 'x'.repeat(1024 * 1024) } })));
      socket.on('close', (closeCode) => resolve(closeCode));
      socket.on('error', () => undefined);
      setTimeout(() => reject(new Error('socket not closed')), 10_000).unref();
    });
    expect(code).toBe(1009);
    // A normal connection still works.
    expect(await connect(tessera, tessera.adminToken)).toBe('ack');
  });

  it('should refuse a GraphQL body past the bound with 413 and the JSON error', async () => {
    const response = await fetch(`${tessera.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ viewer { id } }', variables: { padding: 'x'.repeat(GRAPHQL_MAX_BODY_BYTES + 1) } }),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: { code: 'BAD_USER_INPUT', reason: 'PAYLOAD_TOO_LARGE' } });
  });

  it('should refuse the guesses from an address past its failure limit, never its valid callers (HTTP, graphql-ws, /v1/verify)', async () => {
    const address = someAddress();
    for (let i = 0; i < 3; i += 1) expect((await viewer(tessera, BAD, address)).code).toBe('UNAUTHENTICATED');
    expect(await viewer(tessera, BAD, address)).toEqual({ status: 429, code: 'RATE_LIMITED' });
    expect(await connect(tessera, BAD, address)).toBe(CloseCode.TooManyAuthenticationFailures);
    const verifyAs = (caller: string) =>
      fetch(`${tessera.url}/v1/verify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${caller}`, 'x-forwarded-for': address },
        body: JSON.stringify({ token: 'x'.repeat(40) }),
      });
    expect((await verifyAs(BAD)).status).toBe(429);
    // The valid token from the same address is served on every transport.
    expect(await viewer(tessera, tessera.adminToken, address)).toEqual({ status: 200, code: undefined });
    expect(await connect(tessera, tessera.adminToken, address)).toBe('ack');
    expect((await verifyAs(tessera.adminToken)).status).toBe(200);
  });

  it('should count addresses forwarded by a trusted proxy apart (TESSERA_TRUST_PROXY=loopback)', async () => {
    const first = someAddress();
    const second = someAddress();
    for (let i = 0; i < 4; i += 1) await viewer(tessera, BAD, first);
    expect((await viewer(tessera, BAD, first)).code).toBe('RATE_LIMITED');
    expect((await viewer(tessera, BAD, second)).code).toBe('UNAUTHENTICATED');
    expect(await connect(tessera, BAD, second)).toBe(4401);
  });

  it('should ignore X-Forwarded-For without TESSERA_TRUST_PROXY', async () => {
    for (let i = 0; i < 4; i += 1) await viewer(plain, BAD, someAddress());
    // Every request came from the same peer: a fresh forwarded address does not reset its count.
    expect((await viewer(plain, BAD, someAddress())).code).toBe('RATE_LIMITED');
    expect(await connect(plain, BAD, someAddress())).toBe(CloseCode.TooManyAuthenticationFailures);
    expect((await viewer(plain, plain.adminToken, someAddress())).code).toBeUndefined();
  });

  it("should close a socket with 4401 when its token's expiresAt passes", async () => {
    const expiresAt = new Date(tessera.clock.now().getTime() + 1500);
    const { secret } = dataOf(
      await tessera.gql(CreatePatDocument, { input: { name: 'short', duration: 'CUSTOM', expiresAt: expiresAt.toISOString() } }),
    ).createPersonalAccessToken;
    const client = tessera.ws(secret);
    const subscription = client.subscribe(OnTokenEventsDocument, {});
    // Wait for the server to accept the connection (a subscribed, open socket).
    await new Promise<void>((resolve) => client.client.on('connected', () => resolve()));
    // The server's clock moves past the expiry; its timer, when it fires, sees the token expired.
    tessera.clock.advance(5_000);
    const closed = await client.closed(15_000);
    expect(closed.code).toBe(4401);
    subscription.unsubscribe();
    await client.dispose();
  });

  it('should keep a safe caller X-Request-Id in audit entries, and never one that is unsafe or shaped like its own', async () => {
    const requestIdOf = async (requestId: string) => {
      const response = await fetch(`${tessera.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tessera.adminToken}`, 'x-request-id': requestId },
        body: JSON.stringify({
          query: 'mutation($input: CreatePersonalAccessTokenInput!) { createPersonalAccessToken(input: $input) { token { id } } }',
          variables: { input: { name: 'request id' } },
        }),
      });
      const { data } = (await response.json()) as { data: { createPersonalAccessToken: { token: { id: string } } } };
      const log = dataOf(await tessera.gql(AuditLogDocument, { targetId: data.createPersonalAccessToken.token.id }));
      return { header: response.headers.get('x-request-id'), audited: log.auditLog.edges.map((edge) => edge.node.requestId) };
    };
    const kept = await requestIdOf('client-req.0001:abc');
    expect(kept).toEqual({ header: 'client-req.0001:abc', audited: ['client-req.0001:abc'] });
    const serverShaped = ['abc123-1f', 'XyZ789-0', 'ws-12345678', 'v-1234abcd', '123e4567-e89b-12d3-a456-426614174000', 'ins_0123456789abcdefABCDEF'];
    const unsafe = ['<script>x</script>', 'short', 'x'.repeat(65), "id' or '1'='1", 'a b c d e f'];
    for (const sent of [...serverShaped, ...unsafe]) {
      const { header, audited } = await requestIdOf(sent);
      expect(header).not.toBe(sent);
      expect(audited).toEqual([header]);
    }
  });

  it('should send a CSP without framing, X-Frame-Options DENY and nosniff with the console and GraphiQL', async () => {
    for (const [path, accept] of [
      ['/console/tokens', 'text/html'],
      ['/console/', 'text/html'],
      ['/graphql', 'text/html'],
    ]) {
      const response = await fetch(`${tessera.url}${path}`, { headers: { accept } });
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toMatch(/script-src[^;]*unsafe/);
      expect(csp).toContain("frame-ancestors 'none'");
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('should refuse control characters in ids, cursors, filters and REST paths and query strings with BAD_USER_INPUT, never a 500', async () => {
    const documents: [string, Record<string, unknown>][] = [
      ['query($id: ID!) { app(id: $id) { id } }', { id: 'app_\u0000x' }],
      ['query($id: ID!) { endpoint(id: $id) { id } }', { id: 'end_\u0001x' }],
      ['query($id: ID!) { workflow(id: $id) { id } }', { id: 'wf\u007f' }],
      ['query($a: String, $t: ID) { auditLog(action: $a, targetId: $t) { totalCount } }', { a: 'x\u0000', t: null }],
      ['query($t: ID) { auditLog(targetId: $t) { totalCount } }', { t: 'x\ty' }],
      ['mutation($id: ID!) { revokePersonalAccessToken(id: $id) { id } }', { id: '\u0000' }],
      ['query { app(id: "a\\u0000b") { id } }', {}],
      [
        'mutation($input: CreatePersonalAccessTokenInput!) { createPersonalAccessToken(input: $input) { secret } }',
        { input: { name: 'ok', description: 'two\nlines\u0000' } },
      ],
    ];
    for (const [query, variables] of documents) {
      const answer = await post(tessera, query, variables, tessera.adminToken);
      expect([query, answer.errors?.[0]?.extensions?.code]).toEqual([query, 'BAD_USER_INPUT']);
      expect(answer.errors?.[0]?.message).toMatch(/control characters/);
    }
    // Line breaks in a description are text, not refused.
    const multiline = await post(
      tessera,
      'mutation($input: CreatePersonalAccessTokenInput!) { createPersonalAccessToken(input: $input) { secret } }',
      { input: { name: 'ok', description: 'two\nlines' } },
      tessera.adminToken,
    );
    expect(multiline.errors).toBeUndefined();
    for (const path of ['/endpoints/a%00b', '/endpoints/x?q=%01', '/oauth/callback?state=%00&code=%00', '/workflows/wf%7F/start', '/console/a%1f']) {
      const response = await fetch(`${tessera.url}${path}`, {
        method: path.includes('/start') ? 'POST' : 'GET',
        headers: { 'content-type': 'application/json' },
        ...(path.includes('/start') ? { body: '{}' } : {}),
      });
      expect([path, response.status]).toEqual([path, 400]);
      expect(await response.json()).toMatchObject({ error: { code: 'BAD_USER_INPUT', field: 'url' } });
    }
  });

  it('should refuse a deeply nested JSON body with 400 BAD_USER_INPUT before parsing it', async () => {
    for (const body of [
      '{"query":"{ viewer { id } }","variables":{"a":' + '['.repeat(100_000) + ']'.repeat(100_000) + '}}',
      '['.repeat(100_000) + ']'.repeat(100_000),
    ]) {
      const response = await fetch(`${tessera.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tessera.adminToken}` },
        body,
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: { code: 'BAD_USER_INPUT', field: 'body', message: expect.stringMatching(/nested deeper/) } });
    }
  });

  it('should refuse deeply nested JSON with 400 on every JSON route, not only /graphql', async () => {
    const path = `deep/${Math.random().toString(36).slice(2, 10)}`;
    dataOf(await tessera.gql(CreateEndpointDocument, { input: { name: 'Deep', path, authentication: 'NONE' } }));
    const body = '['.repeat(20_000) + ']'.repeat(20_000);
    for (const [route, headers] of [
      [`/endpoints/${path}`, {}],
      ['/api/workflows/wfl_unknown/instances', { authorization: `Bearer ${tessera.adminToken}` }],
      ['/v1/leaks', {}],
    ] as const) {
      const response = await fetch(`${tessera.url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
      expect([route, response.status]).toEqual([route, 400]);
      expect((await response.json()) as unknown).toMatchObject({ error: { code: 'BAD_USER_INPUT' } });
    }
  });
});
