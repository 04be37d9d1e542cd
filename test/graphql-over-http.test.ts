import { serverAudits, type AuditResult } from 'graphql-http';
import { Client, fetchExchange, gql } from '@urql/core';
import { generateToken } from '../src/core/secrets';
import { CreateEndpointDocument } from './generated/graphql';
import { callEndpoint, uniquePath } from './endpoints.helpers';
import { BACKENDS, dataOf, startTessera, type TestInstance } from './harness/tessera';
import { publish, startWorkflow } from './workflows-helpers';

/** Runs graphql-http's server audits (the GraphQL-over-HTTP spec's own suite) with optional extra headers. */
async function audit(url: string, headers: Record<string, string>): Promise<AuditResult[]> {
  const fetchFn = (input: string | URL | Request, init: RequestInit = {}) =>
    fetch(input, { ...init, headers: { ...Object.fromEntries(new Headers(init.headers).entries()), ...headers } });
  return Promise.all(serverAudits({ url, fetchFn }).map((one) => one.fn()));
}

/** The value of one sample of the Prometheus text format, or 0. */
function sample(metrics: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of metrics.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const inside = line.slice(name.length + 1, line.indexOf('}'));
    const present = inside.split(',');
    if (wanted.every((pair) => present.includes(pair))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

describe.each(BACKENDS)('GraphQL over HTTP as other clients speak it, on %s', (backend) => {
  let tessera: TestInstance;

  beforeAll(async () => {
    tessera = await startTessera({ backend });
  });

  afterAll(async () => {
    await tessera?.close();
  });

  it.each([
    ['without Authorization', false],
    ['with Authorization', true],
  ])("should pass every MUST of graphql-http's server audits (%s)", async (_label, withToken) => {
    const results = await audit(`${tessera.url}/graphql`, withToken ? { authorization: `Bearer ${tessera.adminToken}` } : {});
    expect(results.length).toBeGreaterThan(20);
    const failedMusts = results.filter((result) => result.status === 'error').map((result) => `${result.name}: ${'reason' in result ? result.reason : ''}`);
    expect(failedMusts).toEqual([]);
    // SHOULDs and MAYs not met are explained in README (GraphQL over HTTP): listed here when they change.
    const others = results.filter((result) => result.status !== 'ok').map((result) => `${result.id} ${result.name}`);
    expect(others.length).toBeLessThan(results.length);
  });

  it("should serve urql's defaults: queries as GET with Authorization and no content-type", async () => {
    // The requests urql builds by itself, recorded on their way out.
    const sent: { method: string; contentType: string | null }[] = [];
    const recording: typeof fetch = (input, init) => {
      sent.push({ method: init?.method ?? 'GET', contentType: new Headers(init?.headers).get('content-type') });
      return fetch(input, init);
    };
    const client = new Client({
      url: `${tessera.url}/graphql`,
      exchanges: [fetchExchange],
      fetch: recording,
      fetchOptions: { headers: { authorization: `Bearer ${tessera.adminToken}` } },
    });
    const result = await client
      .query(
        gql`
          query Who($first: Int) {
            viewer {
              role
            }
            tokenEvents(first: $first) {
              totalCount
            }
          }
        `,
        { first: 1 },
      )
      .toPromise();
    expect(result.error).toBeUndefined();
    expect(result.data).toMatchObject({ viewer: { role: 'ADMIN' }, tokenEvents: { totalCount: expect.any(Number) } });
    expect(sent).toEqual([{ method: 'GET', contentType: null }]);
  });

  it('should still refuse a simple cross-site request that carries no Authorization (CSRF)', async () => {
    const query = encodeURIComponent('{ __typename }');
    const get = await fetch(`${tessera.url}/graphql?query=${query}`);
    expect(get.status).toBe(400);
    expect(await get.text()).toMatch(/CSRF/);
    const form = await fetch(`${tessera.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ query: 'mutation { reportLeakedToken(token: "x") { recognised } }' }),
    });
    expect(form.status).toBe(400);
    // With Authorization (which needs a CORS preflight cross-site) a GET is served.
    expect((await fetch(`${tessera.url}/graphql?query=${query}`, { headers: { authorization: `Bearer ${tessera.adminToken}` } })).status).toBe(200);
  });

  it('should answer a subscription over HTTP with 400 pointing at graphql-ws on the same path', async () => {
    const answer = await tessera.raw({ query: 'subscription { tokenEvents { id } }' });
    expect(answer.status).toBe(400);
    expect(answer.body.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', reason: 'SUBSCRIPTION_OVER_HTTP' } });
    expect(answer.body.errors?.[0]?.message).toMatch(/graphql-transport-ws/);
  });

  it('should tell curl how to ask, send browsers from / to the console, and name the introspection setting', async () => {
    const bare = await fetch(`${tessera.url}/graphql`, { headers: { accept: '*/*' } });
    expect(bare.status).toBe(400);
    const hint = (await bare.json()) as { errors: { message: string; extensions: { code: string; reason: string } }[] };
    expect(hint.errors[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', reason: 'NO_QUERY' } });
    expect(hint.errors[0].message).toMatch(/POST/);
    expect(hint.errors[0].message).not.toMatch(/CSRF/);

    const root = await fetch(`${tessera.url}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/console/');

    const closed = await startTessera({ backend, env: { TESSERA_INTROSPECTION: 'false' } });
    try {
      const schema = await closed.raw({ query: '{ __schema { queryType { name } } }' });
      expect(schema.body.errors?.[0]?.message).toMatch(/TESSERA_INTROSPECTION=true/);
      expect(schema.body.errors?.[0]?.message).not.toMatch(/Apollo/);
    } finally {
      await closed.close();
    }
  });

  it('should label every request by its route pattern and count every verification by outcome', async () => {
    const before = await (await fetch(`${tessera.url}/metrics`)).text();
    dataOf((await tessera.raw({ query: '{ viewer { id } }' })).body);
    const verify = (token: string) =>
      fetch(`${tessera.url}/v1/verify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tessera.adminToken}` },
        body: JSON.stringify({ token }),
      });
    await verify(tessera.adminToken);
    await verify(generateToken('tsp').value);
    // A refused caller is counted too (the error path records it as the success path does).
    expect(
      (
        await fetch(`${tessera.url}/v1/verify`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${generateToken('tsp').value}` },
          body: '{"token":"x"}',
        })
      ).status,
    ).toBe(401);
    const endpoint = dataOf(await tessera.gql(CreateEndpointDocument, { input: { name: 'metered', path: uniquePath('metered'), authentication: 'NONE' } }))
      .createEndpoint.endpoint;
    await callEndpoint(tessera.url, 'POST', endpoint.path, { body: {} });
    const { workflow, secret } = await publish(tessera);
    expect((await startWorkflow(tessera, workflow.id, { header: secret as string, body: {} })).status).toBe(201);
    await fetch(`${tessera.url}/no/such/route`);
    const after = await (await fetch(`${tessera.url}/metrics`)).text();

    const grew = (labels: Record<string, string>, name = 'tessera_http_requests_total') => sample(after, name, labels) - sample(before, name, labels);
    expect(grew({ route: '/graphql', status: '200' })).toBeGreaterThanOrEqual(3);
    expect(grew({ route: '/v1/verify', status: '200' })).toBe(2);
    expect(grew({ route: '/v1/verify', status: '401' })).toBe(1);
    // Durations: a histogram per route, cumulative buckets ending at the count.
    const durations = 'tessera_http_request_duration_seconds';
    expect(grew({ route: '/v1/verify' }, `${durations}_count`)).toBe(3);
    expect(grew({ route: '/v1/verify', le: '+Inf' }, `${durations}_bucket`)).toBe(3);
    expect(sample(after, `${durations}_bucket`, { route: '/v1/verify', le: '1' })).toBeLessThanOrEqual(
      sample(after, `${durations}_count`, { route: '/v1/verify' }),
    );
    expect(sample(after, `${durations}_bucket`, { route: '/v1/verify', le: '0.0005' })).toBeLessThanOrEqual(
      sample(after, `${durations}_bucket`, { route: '/v1/verify', le: '0.001' }),
    );
    expect(sample(after, `${durations}_sum`, { route: '/v1/verify' })).toBeGreaterThan(0);
    expect(after).toContain(`# TYPE ${durations} histogram`);
    expect(grew({ route: '/endpoints/*path', status: '200' })).toBe(1);
    expect(grew({ route: '/api/workflows/:id/instances', status: '201' })).toBe(1);
    expect(grew({ route: 'other', status: '404' })).toBe(1);
    expect(after).not.toMatch(/route="\/no\/such/);
    // Every verification counts, whoever asked: the API's own Bearer auth, /v1/verify, the start route.
    expect(grew({ outcome: 'VALID' }, 'tessera_verifications_total')).toBeGreaterThanOrEqual(5);
    // UNKNOWN: the unknown token verified, and the refused caller's own token.
    expect(grew({ outcome: 'UNKNOWN' }, 'tessera_verifications_total')).toBe(2);
  });
});
