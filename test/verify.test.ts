import { Agent, request } from 'node:http';
import { DAY, ManualClock } from '../src/core/clock';
import { generateToken, SecretBox } from '../src/core/secrets';
import { CreatePatDocument, CreateUserDocument, RevokePatDocument, VerifyTokenDocument, ViewerDocument } from './generated/graphql';
import { BACKENDS, dataOf, errorCodeOf, startSibling, startTessera, type TestInstance } from './harness/tessera';

async function postVerify(instance: TestInstance, body: unknown, token: string | null = instance.adminToken) {
  const response = await fetch(`${instance.url}/v1/verify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> & { error?: { code: string; field?: string } } };
}

describe.each(BACKENDS)('verification on %s', (backend) => {
  let tessera: TestInstance;

  beforeAll(async () => {
    tessera = await startTessera({ backend });
  });

  afterAll(async () => {
    await tessera.close();
  });

  const newPat = async (name: string, duration: 'YEAR' | 'DAYS_7' = 'YEAR') =>
    dataOf(await tessera.gql(CreatePatDocument, { input: { name, duration } })).createPersonalAccessToken;

  it('should answer valid with the kind, owner, tenant and expiry', async () => {
    const { token, secret } = await newPat('verified');
    const viewer = dataOf(await tessera.gql(ViewerDocument)).viewer;
    const result = dataOf(await tessera.gql(VerifyTokenDocument, { token: secret })).verifyToken;
    expect(result).toEqual({
      valid: true,
      kind: 'PERSONAL_ACCESS',
      tokenId: token.id,
      ownerId: viewer.id,
      tenantId: viewer.tenant.id,
      expiresAt: token.expiresAt,
      reason: null,
    });
  });

  it('should answer why not: UNKNOWN, MALFORMED, REVOKED, EXPIRED', async () => {
    const verify = async (value: string) => dataOf(await tessera.gql(VerifyTokenDocument, { token: value })).verifyToken;
    expect(await verify('tsp_' + 'A'.repeat(46))).toMatchObject({ valid: false, reason: 'MALFORMED', tokenId: null });
    expect(await verify('x'.repeat(64))).toMatchObject({ valid: false, reason: 'UNKNOWN', tokenId: null });
    const revoked = await newPat('revoked');
    dataOf(await tessera.gql(RevokePatDocument, { id: revoked.token.id }));
    expect(await verify(revoked.secret)).toMatchObject({ valid: false, reason: 'REVOKED', tokenId: revoked.token.id });
    const expiring = await newPat('expiring', 'DAYS_7');
    tessera.clock.advance(8 * DAY);
    try {
      expect(await verify(expiring.secret)).toMatchObject({ valid: false, reason: 'EXPIRED' });
    } finally {
      tessera.clock.advance(-8 * DAY);
    }
  });

  it("should answer UNKNOWN for another tenant's token, revealing nothing", async () => {
    const { secret } = await newPat('mine');
    const other = await tessera.server.services.users.createTenantWithAdmin({
      tenantName: 'Other',
      adminEmail: `a${Date.now()}@other.example`,
      adminName: 'Other',
    });
    const result = dataOf(await tessera.gql(VerifyTokenDocument, { token: secret }, other.secret)).verifyToken;
    expect(result).toEqual({ valid: false, kind: null, tokenId: null, ownerId: null, tenantId: null, expiresAt: null, reason: 'UNKNOWN' });
  });

  it('should let only roles that may verify ask', async () => {
    const member = dataOf(await tessera.gql(CreateUserDocument, { input: { email: `m${Date.now()}@example.com`, name: 'M', role: 'MEMBER' } })).createUser;
    expect(errorCodeOf(await tessera.gql(VerifyTokenDocument, { token: member.secret }, member.secret))).toBe('FORBIDDEN');
    expect((await postVerify(tessera, { token: member.secret }, member.secret)).status).toBe(403);
    expect(errorCodeOf(await tessera.gql(VerifyTokenDocument, { token: 'x' }, null))).toBe('UNAUTHENTICATED');
  });

  it('should serve POST /v1/verify with the same answers as the query', async () => {
    const { token, secret } = await newPat('over rest');
    const ok = await postVerify(tessera, { token: secret });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ valid: true, kind: 'PERSONAL_ACCESS', tokenId: token.id, reason: null });
    const unknown = await postVerify(tessera, { token: 'nope-nope-nope' });
    expect(unknown.body).toMatchObject({ valid: false, reason: 'UNKNOWN' });
  });

  it("should hash a keep-alive caller's own value once per connection, and still refuse it the moment it is revoked", async () => {
    // One connection for every request (an agent with one socket), as a gateway keeps it.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set<unknown>();
    const post = (caller: string, token: string) =>
      new Promise<{ status: number; body: { valid?: boolean; reason?: string; error?: { code: string } } }>((resolve, reject) => {
        const req = request(`${tessera.url}/v1/verify`, {
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${caller}` },
        });
        req.on('socket', (socket) => sockets.add(socket));
        req.on('response', (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
        });
        req.on('error', reject);
        req.end(JSON.stringify({ token }));
      });
    const caller = await newPat('gateway caller');
    const presented = await newPat('presented');
    const hashes = jest.spyOn(SecretBox.prototype, 'hash');
    try {
      for (let i = 0; i < 5; i += 1) expect((await post(caller.secret, presented.secret)).body).toMatchObject({ valid: true });
      // Five presented values hashed, and the caller's value once.
      expect(hashes).toHaveBeenCalledTimes(6);
      expect(sockets.size).toBe(1);
      // Another value on the same connection is its own caller: an unknown one is refused.
      const other = await post(generateToken('tsp').value, presented.secret);
      expect(other.status).toBe(401);
      expect((await post(caller.secret, presented.secret)).body).toMatchObject({ valid: true });
      // The caller's token revoked: refused on the very next request of the same connection.
      dataOf(await tessera.gql(RevokePatDocument, { id: caller.token.id }));
      const after = await post(caller.secret, presented.secret);
      expect(after.status).toBe(401);
      expect(after.body.error?.code).toBe('UNAUTHENTICATED');
      expect(sockets.size).toBe(1);
    } finally {
      hashes.mockRestore();
      agent.destroy();
    }
  });

  it('should answer bad requests to /v1/verify with a clear error code', async () => {
    expect(await postVerify(tessera, { token: 'x' }, null)).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHENTICATED' } } });
    expect(await postVerify(tessera, {})).toMatchObject({ status: 400, body: { error: { code: 'BAD_USER_INPUT', field: 'token' } } });
    expect(await postVerify(tessera, { token: 'x', method: 'BREW' })).toMatchObject({
      status: 400,
      body: { error: { code: 'BAD_USER_INPUT', field: 'method' } },
    });
    expect(await postVerify(tessera, '{"token": ')).toMatchObject({ status: 400, body: { error: { code: 'BAD_USER_INPUT' } } });
    expect(await postVerify(tessera, { token: 'x'.repeat(5000) })).toMatchObject({ status: 413 });
    // Who asks is decided first: a stranger learns nothing about what is wrong with the body.
    expect(await postVerify(tessera, '{"token": ', null)).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHENTICATED' } } });
    const plain = await fetch(`${tessera.url}/v1/verify`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', authorization: `Bearer ${tessera.adminToken}` },
      body: '{"token":"x"}',
    });
    expect(plain.status).toBe(400);
    expect(((await plain.json()) as { error: { code: string; field: string } }).error).toMatchObject({ code: 'BAD_USER_INPUT', field: 'body' });
  });

  it('should refuse a MALFORMED value at once and a bad-input token argument with BAD_USER_INPUT', async () => {
    expect(errorCodeOf(await tessera.gql(VerifyTokenDocument, { token: '' }))).toBe('BAD_USER_INPUT');
    expect(errorCodeOf(await tessera.gql(VerifyTokenDocument, { token: 'x', method: 'BREW' }))).toBe('BAD_USER_INPUT');
  });
});

describe('revocation propagation between instances', () => {
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

  it('should make B refuse a personal access token the moment a revocation on A returns, every time', async () => {
    for (let round = 0; round < 20; round += 1) {
      const { token, secret } = dataOf(await a.gql(CreatePatDocument, { input: { name: `round ${round}` } })).createPersonalAccessToken;
      // Warm B's cache with a positive answer.
      expect((await postVerify(b, { token: secret })).body.valid).toBe(true);
      dataOf(await a.gql(RevokePatDocument, { id: token.id }));
      expect((await postVerify(b, { token: secret })).body).toMatchObject({ valid: false, reason: 'REVOKED' });
    }
  });

  it('should resolve an eviction on A only after B has evicted (acknowledged)', async () => {
    for (let round = 0; round < 20; round += 1) {
      const seen: string[] = [];
      const id = `tok_probe_${round}`;
      b.server.bus.onMessage((message) => {
        if (message.evictTokenIds?.includes(id)) seen.push(id);
      });
      await a.server.bus.publish({ evictTokenIds: [id] });
      expect(seen).toEqual([id]);
    }
  });
});
