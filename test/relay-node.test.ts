import { buildSchema, isObjectType } from 'graphql';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { prefixOf } from '../src/core/graphql/node';
import { nodeSources } from '../src/modules';
import {
  CreateAppDocument,
  CreateEndpointDocument,
  CreateEndpointTokenDocument,
  CreateOAuthProviderDocument,
  CreateOAuthTokenDocument,
  CreatePatDocument,
  CreateUserDocument,
  CreateWebhookEndpointDocument,
} from './generated/graphql';
import { BACKENDS, dataOf, startTessera, type GraphQLResponse, type TestInstance } from './harness/tessera';
import { publish } from './workflows-helpers';

const NODE = `query N($id: ID!) { node(id: $id) { __typename id
  ... on PersonalAccessToken { name patStatus: status ownerId }
  ... on WorkflowToken { name workflowId }
  ... on Workflow { name }
  ... on App { name clientId }
  ... on AppClientSecret { name start }
  ... on Endpoint { name path }
  ... on EndpointPrimaryToken { method start }
  ... on EndpointToken { name enabled }
  ... on OAuthProvider { name tokenUrl }
  ... on OAuthToken { name }
  ... on User { name email }
  ... on WebhookEndpoint { url }
} }`;
const NODES = 'query N($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }';

describe('global ids', () => {
  it('should give every type that implements Node one prefix of its own, and a source for each', () => {
    const prefixes = nodeSources.map((source) => source.prefix);
    expect(new Set(prefixes).size).toBe(prefixes.length);
    expect(new Set(nodeSources.map((source) => source.typeName)).size).toBe(nodeSources.length);
    const schema = buildSchema(readFileSync(join(__dirname, '..', 'schema', 'schema.graphql'), 'utf8'));
    const implementing = Object.values(schema.getTypeMap())
      .filter((type) => isObjectType(type) && type.getInterfaces().some((iface) => iface.name === 'Node'))
      .map((type) => type.name)
      .sort();
    expect(nodeSources.map((source) => source.typeName).sort()).toEqual(implementing);
    expect(prefixOf('pat_0VcuAv04kFvU99N5F5fFxy')).toBe('pat');
    expect(prefixOf('nothing')).toBe('');
  });
});

describe.each(BACKENDS)('node(id:) and nodes(ids:) on %s', (backend) => {
  let tessera: TestInstance;
  let otherAdmin: string;
  /** One object of every Node type, made in the admin's tenant: [typeName, id, name-ish field]. */
  const made: [string, string, Record<string, unknown>][] = [];

  beforeAll(async () => {
    tessera = await startTessera({ backend });
    otherAdmin = (
      await tessera.server.services.users.createTenantWithAdmin({ tenantName: 'Elsewhere', adminEmail: `node-${Date.now()}@else.example`, adminName: 'Else' })
    ).secret;
    const pat = dataOf(await tessera.gql(CreatePatDocument, { input: { name: 'node pat' } })).createPersonalAccessToken.token;
    made.push(['PersonalAccessToken', pat.id, { name: 'node pat', patStatus: pat.status, ownerId: pat.ownerId }]);
    const published = await publish(tessera);
    made.push(['Workflow', published.workflow.id, { name: published.workflow.name }]);
    made.push(['WorkflowToken', published.token?.id as string, { name: published.token?.name, workflowId: published.workflow.id }]);
    const app = dataOf(await tessera.gql(CreateAppDocument, { input: { name: 'node app' } })).createApp.app;
    made.push(['App', app.id, { name: 'node app', clientId: app.clientId }]);
    made.push(['AppClientSecret', app.clientSecret?.id as string, { name: 'node app', start: app.clientSecret?.start }]);
    const endpoint = dataOf(
      await tessera.gql(CreateEndpointDocument, { input: { name: 'node endpoint', path: `node/${Date.now()}`, authentication: 'TOKEN' } }),
    ).createEndpoint.endpoint;
    made.push(['Endpoint', endpoint.id, { name: 'node endpoint', path: endpoint.path }]);
    made.push(['EndpointPrimaryToken', endpoint.primaryTokens[0].id, { method: endpoint.primaryTokens[0].method, start: endpoint.primaryTokens[0].start }]);
    const secondary = dataOf(await tessera.gql(CreateEndpointTokenDocument, { input: { name: 'node secondary' } })).createEndpointToken.endpointToken;
    made.push(['EndpointToken', secondary.id, { name: 'node secondary', enabled: true }]);
    const provider = dataOf(
      await tessera.gql(CreateOAuthProviderDocument, {
        input: {
          name: 'node provider',
          authorizeUrl: 'http://127.0.0.1:9/authorize',
          tokenUrl: 'http://127.0.0.1:9/token',
          defaultConsumerKey: 'k',
          defaultConsumerSecret: 's',
        },
      }),
    ).createOAuthProvider;
    made.push(['OAuthProvider', provider.id, { name: 'node provider', tokenUrl: 'http://127.0.0.1:9/token' }]);
    // Nothing listens on port 9: the request fails and the token is kept, FAILED.
    const oauth = dataOf(
      await tessera.gql(CreateOAuthTokenDocument, { input: { name: 'node oauth', providerId: provider.id, flow: 'CLIENT_CREDENTIALS', useDefaultKeys: true } }),
    ).createOAuthToken.token;
    made.push(['OAuthToken', oauth.id, { name: 'node oauth' }]);
    const user = dataOf(await tessera.gql(CreateUserDocument, { input: { email: `node-${Date.now()}@example.com`, name: 'Node Person', role: 'MEMBER' } }))
      .createUser.user;
    made.push(['User', user.id, { name: 'Node Person', email: user.email }]);
    const hook = dataOf(await tessera.gql(CreateWebhookEndpointDocument, { input: { url: 'http://127.0.0.1:9/hook' } })).createWebhookEndpoint.webhookEndpoint;
    made.push(['WebhookEndpoint', hook.id, { url: 'http://127.0.0.1:9/hook' }]);
  });

  afterAll(async () => {
    await tessera?.close();
  });

  const node = (id: string, token = tessera.adminToken) => tessera.raw({ query: NODE, variables: { id } }, { authorization: `Bearer ${token}` });
  const codeOf = (answer: { body: GraphQLResponse<Record<string, unknown>> }) => answer.body.errors?.[0]?.extensions?.code;

  it('should return every type by its id, as its own type, with the fields asked', async () => {
    expect(new Set(made.map(([type]) => type)).size).toBe(nodeSources.length);
    for (const [typeName, id, fields] of made) {
      const answer = await node(id);
      expect({ typeName, errors: answer.body.errors, node: answer.body.data?.node }).toEqual({
        typeName,
        errors: undefined,
        node: { __typename: typeName, id, ...fields },
      });
    }
  });

  it("should answer another tenant's ids exactly like unknown ones (NOT_FOUND), in node and in nodes", async () => {
    const unknown = await node('pat_0000000000000000000000', otherAdmin);
    expect(codeOf(unknown)).toBe('NOT_FOUND');
    for (const [typeName, id] of made) {
      const answer = await node(id, otherAdmin);
      expect({ typeName, code: codeOf(answer), data: answer.body.data }).toEqual({ typeName, code: 'NOT_FOUND', data: null });
      expect(answer.body.errors?.[0]?.message.replace(id, 'ID')).toBe(unknown.body.errors?.[0]?.message.replace('pat_0000000000000000000000', 'ID'));
    }
    const many = await tessera.raw({ query: NODES, variables: { ids: made.map(([, id]) => id) } }, { authorization: `Bearer ${otherAdmin}` });
    expect(many.body.data?.nodes).toEqual(made.map(() => null));
    expect(many.body.errors?.map((error) => [error.extensions?.code, error.path])).toEqual(made.map((_, index) => ['NOT_FOUND', ['nodes', index]]));
  });

  it("should apply each type's own rule: a member reads their own token and themselves, nothing a manager reads", async () => {
    const member = dataOf(
      await tessera.gql(CreateUserDocument, { input: { email: `member-${Date.now()}@example.com`, name: 'A member', role: 'MEMBER' } }),
    ).createUser;
    const own = dataOf(await tessera.gql(CreatePatDocument, { input: { name: 'mine' } }, member.secret)).createPersonalAccessToken.token;
    expect((await node(own.id, member.secret)).body.data?.node).toMatchObject({ __typename: 'PersonalAccessToken', id: own.id });
    expect((await node(member.user.id, member.secret)).body.data?.node).toMatchObject({ __typename: 'User', id: member.user.id });
    for (const [typeName, id] of made) {
      expect({ typeName, code: codeOf(await node(id, member.secret)) }).toEqual({ typeName, code: 'NOT_FOUND' });
    }
    // The administrator reads the member's token (they may revoke it) and the member.
    expect((await node(own.id)).body.data?.node).toMatchObject({ id: own.id });
  });

  it('should return mixed ids in order, null where none, and refuse more than 100', async () => {
    const [pat, workflow] = [made[0][1], made[1][1]];
    const answer = await tessera.raw({ query: NODES, variables: { ids: [workflow, 'usr_0000000000000000000000', pat, 'nonsense'] } });
    expect(answer.body.data?.nodes).toEqual([{ __typename: 'Workflow', id: workflow }, null, { __typename: 'PersonalAccessToken', id: pat }, null]);
    expect(answer.body.errors?.map((error) => error.path)).toEqual([
      ['nodes', 1],
      ['nodes', 3],
    ]);
    const tooMany = await tessera.raw({ query: NODES, variables: { ids: Array.from({ length: 101 }, () => pat) } });
    expect(codeOf(tooMany)).toBe('BAD_USER_INPUT');
    expect(tooMany.body.data ?? null).toBeNull();
  });
});
