import { CreatePatDocument } from './generated/graphql';
import { startRedis, type RedisServer } from './harness/services';
import { startTcpProxy, type TcpProxy } from './harness/tcp-proxy';
import { dataOf, eventually, startSibling, startTessera, type TestInstance } from './harness/tessera';

/**
 * The revocation guarantee under a sick Redis (only the PostgreSQL+Redis deployment has a Redis to
 * lose): however Redis or the network to it fails, an instance accepts a revoked token for at most
 * TESSERA_VERIFY_CACHE_TTL_MS after the revocation returned, no request waits on Redis
 * unboundedly, and /readyz says when the bus is not proven.
 *
 * A talks to a private redis-server directly, B through a loopback proxy this test controls.
 * The deadlines below are correctness deadlines (the stated bound plus slack for a loaded
 * machine), not performance thresholds.
 */
const BOUND_MS = 1_000;
/** After the revocation returned, B must refuse the token by then (the bound, plus slack). */
const REFUSED_BY_MS = BOUND_MS + 2_000;
/** No request may take longer than this while Redis is sick (the old code waited for Redis forever). */
const HANG_BOUND_MS = 10_000;

interface VerifyAnswer {
  valid: boolean;
  reason: string | null;
}

describe('the revocation guarantee under a sick Redis', () => {
  let redis: RedisServer;
  let proxy: TcpProxy;
  let a: TestInstance;
  let b: TestInstance;
  /** A third instance behind its own proxy: the revoking side cut off from Redis. */
  let c: TestInstance;
  let proxyC: TcpProxy;

  beforeAll(async () => {
    redis = await startRedis();
    proxy = await startTcpProxy(redis.port);
    const env = { TESSERA_VERIFY_CACHE_TTL_MS: String(BOUND_MS) };
    a = await startTessera({ backend: 'postgres', redis: redis.url, env });
    b = await startSibling(a, { backend: 'postgres', redis: proxy.url, env });
    proxyC = await startTcpProxy(redis.port);
    c = await startSibling(a, { backend: 'postgres', redis: proxyC.url, env });
  });

  afterAll(async () => {
    proxy?.release();
    proxyC?.release();
    redis?.resume();
    await Promise.all([a?.close(), b?.close(), c?.close()]);
    await proxy?.close();
    await proxyC?.close();
    await redis?.stop();
  });

  async function verifyOn(instance: TestInstance, token: string): Promise<VerifyAnswer> {
    const response = await fetch(`${instance.url}/v1/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${instance.adminToken}` },
      body: JSON.stringify({ token }),
      signal: AbortSignal.timeout(HANG_BOUND_MS),
    });
    expect(response.status).toBe(200);
    return (await response.json()) as VerifyAnswer;
  }

  async function busOf(instance: TestInstance): Promise<{ status: number; bus: string }> {
    const response = await fetch(`${instance.url}/readyz`, { signal: AbortSignal.timeout(HANG_BOUND_MS) });
    const body = (await response.json()) as { bus: string };
    return { status: response.status, bus: body.bus };
  }

  async function busIs(instance: TestInstance, bus: 'up' | 'degraded', within = HANG_BOUND_MS): Promise<void> {
    await eventually(async () => ((await busOf(instance)).bus === bus ? true : undefined), within, `/readyz bus ${bus}`);
    expect(await busOf(instance)).toEqual({ status: 200, bus });
  }

  /** A fresh PAT that B has accepted (and cached). */
  async function patCachedOnB(): Promise<{ id: string; secret: string }> {
    const { token, secret } = dataOf(await a.gql(CreatePatDocument, { input: { name: `fault ${Math.random()}` } })).createPersonalAccessToken;
    expect(await verifyOn(b, secret)).toMatchObject({ valid: true });
    return { id: token.id, secret };
  }

  /** Revokes on A; the answer must arrive, whatever Redis does. */
  async function revokeOnA(
    id: string,
    on: TestInstance = a,
  ): Promise<{ revoked: boolean; propagation?: { acknowledged: number; expected: number; boundMs: number } }> {
    const response = await fetch(`${on.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${on.adminToken}` },
      body: JSON.stringify({ query: 'mutation ($id: ID!) { revokePersonalAccessToken(id: $id) { id status } }', variables: { id } }),
      signal: AbortSignal.timeout(HANG_BOUND_MS),
    });
    const body = (await response.json()) as {
      data?: { revokePersonalAccessToken: { status: string } };
      errors?: unknown;
      extensions?: { propagation?: { acknowledged: number; expected: number; boundMs: number } };
    };
    expect(body.errors).toBeUndefined();
    return { revoked: body.data?.revokePersonalAccessToken.status === 'REVOKED', propagation: body.extensions?.propagation };
  }

  /**
   * After the revocation returned, B refuses the token by the deadline, and from its first refusal
   * on it never accepts it again.
   */
  async function expectRefusedOnB(secret: string): Promise<void> {
    const returned = Date.now();
    const answers: VerifyAnswer[] = [];
    for (;;) {
      const answer = await verifyOn(b, secret);
      answers.push(answer);
      if (!answer.valid) break;
      if (Date.now() - returned > REFUSED_BY_MS)
        throw new Error(`B still accepted the revoked token ${REFUSED_BY_MS} ms after the revocation returned (${answers.length} answers)`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    for (let i = 0; i < 5; i += 1) answers.push(await verifyOn(b, secret));
    expect(answers.slice(answers.findIndex((answer) => !answer.valid)).map(({ valid, reason }) => ({ valid, reason }))).toEqual(
      Array.from({ length: 6 }, () => ({ valid: false, reason: 'REVOKED' })),
    );
  }

  beforeEach(async () => {
    await Promise.all([busIs(a, 'up'), busIs(b, 'up'), busIs(c, 'up')]);
  });

  it('the revoking instance cut off from Redis, the others healthy: B, trusting its cache, still refuses within the bound (the eviction arrives from storage)', async () => {
    const pat = await patCachedOnB();
    proxyC.hold();
    try {
      const revoked = await revokeOnA(pat.id, c);
      expect(revoked.revoked).toBe(true);
      // C could not tell anyone: its answer says so.
      expect(revoked.propagation).toMatchObject({ acknowledged: 0, boundMs: BOUND_MS });
      await expectRefusedOnB(pat.secret);
      // B's bus stayed healthy all along: the refusal came from the eviction read from storage, not from a lapsed lease.
      expect(await busOf(b)).toEqual({ status: 200, bus: 'up' });
    } finally {
      proxyC.release();
    }
    await busIs(c, 'up');
  });

  it("partition: B's Redis traffic held — the revoke returns and says B did not acknowledge, B stops trusting its cache within the bound, /readyz on B says degraded", async () => {
    const pat = await patCachedOnB();
    proxy.hold();
    try {
      const revoked = await revokeOnA(pat.id);
      // C acknowledged, B did not.
      expect(revoked).toEqual({ revoked: true, propagation: { acknowledged: 1, expected: 2, boundMs: BOUND_MS } });
      await expectRefusedOnB(pat.secret);
      await busIs(b, 'degraded');
      // Logged by the first heartbeat after the lease lapsed (/readyz may say so a beat earlier).
      await eventually(
        async () => (b.logs.some((line) => line.includes('bus liveness not proven')) ? true : undefined),
        HANG_BOUND_MS,
        'the lapsed-lease warning',
      );
      expect(a.logs.some((line) => line.includes('not acknowledged by every instance'))).toBe(true);
      // A GraphQL request on B is answered (its limits fall back to local counting).
      expect(dataOf(await b.gql(CreatePatDocument, { input: { name: 'during the partition' } })).createPersonalAccessToken.token.id).toBeTruthy();
    } finally {
      proxy.release();
    }
    await busIs(b, 'up');
  });

  it('Redis paused (SIGSTOP): the revoke returns while Redis is still frozen, B refuses within the bound, verify and GraphQL still answer, /readyz says degraded', async () => {
    const pat = await patCachedOnB();
    const other = await patCachedOnB();
    redis.pause();
    try {
      const revoked = await revokeOnA(pat.id);
      expect(revoked.revoked).toBe(true);
      expect(revoked.propagation).toMatchObject({ acknowledged: 0, expected: 2, boundMs: BOUND_MS });
      await expectRefusedOnB(pat.secret);
      await Promise.all([busIs(a, 'degraded'), busIs(b, 'degraded')]);
      // Everything that needs no Redis still answers: verify (from storage) and GraphQL.
      expect(await verifyOn(b, other.secret)).toMatchObject({ valid: true });
      expect(dataOf(await b.gql(CreatePatDocument, { input: { name: 'while redis is paused' } })).createPersonalAccessToken.token.id).toBeTruthy();
    } finally {
      redis.resume();
    }
    await Promise.all([busIs(a, 'up'), busIs(b, 'up')]);
    expect(await verifyOn(b, pat.secret)).toMatchObject({ valid: false, reason: 'REVOKED' });
  });

  it('Redis killed (connection refused): the revoke returns, B refuses within the bound, /readyz says degraded, and all recover when Redis is back', async () => {
    const pat = await patCachedOnB();
    await redis.stop();
    try {
      expect((await revokeOnA(pat.id)).revoked).toBe(true);
      await expectRefusedOnB(pat.secret);
      await Promise.all([busIs(a, 'degraded'), busIs(b, 'degraded')]);
    } finally {
      await redis.start();
    }
    await Promise.all([busIs(a, 'up'), busIs(b, 'up')]);
  });
});
