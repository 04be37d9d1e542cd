import { CreateEndpointDocument, UpdateEndpointDocument, ViewerDocument } from '../generated/graphql';
import { BACKENDS, dataOf, startTessera, type TestInstance } from '../harness/tessera';
import { callEndpoint, uniquePath } from '../endpoints.helpers';
import { EndpointCall } from '../../src/modules/endpoints';

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
    const other = await tessera.server.services.users.createTenantWithAdmin({ tenantName: 'Elsewhere', adminEmail: `else-${Date.now()}@else.example`, adminName: 'Else' });
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
    const theirs = dataOf(await tessera.gql(CreateEndpointDocument, { input: { name: 'Elsewhere orders', path: uniquePath('else'), authentication: 'NONE' } }, otherAdmin)).createEndpoint.endpoint;
    const moved = await tessera.gql(UpdateEndpointDocument, { id: theirs.id, input: { path } }, otherAdmin);
    expect(moved.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'PATH_TAKEN' });

    const otherBefore = await callsOf(otherTenantId);
    const answer = await callEndpoint(tessera.url, 'POST', path, { body: { order: 1 } });
    expect(answer.status).toBe(200);
    const call = await tessera.server.orm.em.fork().findOneOrFail(EndpointCall, { id: answer.body.callId as string });
    expect(call.endpointId).toBe(mine.id);
    expect(await callsOf(otherTenantId)).toBe(otherBefore);
  });

  it('should answer 404 for an unknown path and record nothing', async () => {
    const before = await allCalls();
    expect((await callEndpoint(tessera.url, 'POST', uniquePath('nowhere'), { body: {} })).status).toBe(404);
    expect(await allCalls()).toBe(before);
  });
});
