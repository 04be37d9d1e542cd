import { CreateEndpointDocument, UpdateEndpointDocument, ViewerDocument } from '../generated/graphql';
import { BACKENDS, dataOf, startTessera, type TestInstance } from '../harness/tessera';
import { callEndpoint, uniquePath } from '../endpoints.helpers';
import { EndpointCall } from '../../src/modules/endpoints';
import { generateToken } from '../../src/core/secrets';

/**
 * Cross-tenant ingress (issue 15 item 2): an ingress URL carries no tenant, so a path names one
 * endpoint of the whole installation. Another tenant can neither take a path in use nor receive
 * (and read in its data viewer) calls meant for it.
 */
describe.each(BACKENDS)('ingress across tenants, on %s', (backend) => {
  let tessera: TestInstance;
  let otherAdmin: string;
  let otherTenantId: string;

  beforeAll(async () => {
    tessera = await startTessera({ backend });
    const other = await tessera.server.services.users.createTenantWithAdmin({
      tenantName: 'Elsewhere',
      adminEmail: `else-${Date.now()}@else.example`,
      adminName: 'Else',
    });
    otherAdmin = other.secret;
    otherTenantId = dataOf(await tessera.gql(ViewerDocument, {}, otherAdmin)).viewer.tenant.id;
  });

  afterAll(async () => {
    await tessera?.close();
  });

  const callsOf = (tenantId: string) => tessera.server.orm.em.fork().count(EndpointCall, { tenantId });
  const allCalls = () => tessera.server.orm.em.fork().count(EndpointCall, {});

  it("should refuse a path another tenant uses with CONFLICT that names no tenant, and record calls only in the owner's data", async () => {
    const path = uniquePath('orders');
    const mine = dataOf(await tessera.gql(CreateEndpointDocument, { input: { name: 'Orders', path, authentication: 'NONE' } })).createEndpoint.endpoint;

    const taken = await tessera.gql(CreateEndpointDocument, { input: { name: 'Their orders', path, authentication: 'NONE' } }, otherAdmin);
    expect(taken.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'PATH_TAKEN' });
    expect(JSON.stringify(taken.errors)).not.toMatch(/Default|ten_|Orders/);

    // Moving an endpoint of theirs onto the path is refused the same way.
    const theirs = dataOf(
      await tessera.gql(CreateEndpointDocument, { input: { name: 'Elsewhere orders', path: uniquePath('else'), authentication: 'NONE' } }, otherAdmin),
    ).createEndpoint.endpoint;
    const moved = await tessera.gql(UpdateEndpointDocument, { id: theirs.id, input: { path } }, otherAdmin);
    expect(moved.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'PATH_TAKEN' });

    const otherBefore = await callsOf(otherTenantId);
    const answer = await callEndpoint(tessera.url, 'POST', path, { body: { order: 1 } });
    expect(answer.status).toBe(200);
    const call = await tessera.server.orm.em.fork().findOneOrFail(EndpointCall, { id: answer.body.callId as string });
    expect(call.endpointId).toBe(mine.id);
    expect(await callsOf(otherTenantId)).toBe(otherBefore);
  });

  it("should store refusals only up to the endpoint's budget, and refuse an address's guesses past its failure budget without locking out valid callers", async () => {
    // In-memory limits: through the shared test Redis, other suites' failures from 127.0.0.1 would count too.
    const limited = await startTessera({
      backend,
      redis: false,
      env: { TESSERA_INGRESS_REFUSALS_STORED_PER_MINUTE: '3', TESSERA_RATE_AUTH_FAILURES_PER_MINUTE: '5' },
    });
    try {
      const path = uniquePath('guarded');
      const endpoint = dataOf(await limited.gql(CreateEndpointDocument, { input: { name: 'Guarded', path, authentication: 'TOKEN' } })).createEndpoint.endpoint;
      const primary = endpoint.primaryTokens.find((token) => token.method === 'POST')?.secret as string;
      const answers: number[] = [];
      for (let i = 0; i < 8; i += 1) answers.push((await callEndpoint(limited.url, 'POST', path, { token: generateToken('tse').value, body: {} })).status);
      // Five refusals count, the sixth guess on is refused by the address's failure budget.
      expect(answers.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
      expect(answers.slice(5)).toEqual([429, 429, 429]);
      // Only three refusals were stored: made-up tokens cannot fill the database.
      expect(await limited.server.orm.em.fork().count(EndpointCall, { endpointId: endpoint.id })).toBe(3);
      // The valid caller at the same address is still served.
      expect((await callEndpoint(limited.url, 'POST', path, { token: primary, body: { ok: true } })).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('should answer 404 for an unknown path and record nothing', async () => {
    const before = await allCalls();
    expect((await callEndpoint(tessera.url, 'POST', uniquePath('nowhere'), { body: {} })).status).toBe(404);
    expect(await allCalls()).toBe(before);
  });
});
