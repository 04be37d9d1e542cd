import { ApolloClient, HttpLink, InMemoryCache, gql, type NormalizedCacheObject } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { Client, fetchExchange } from '@urql/core';
import { cacheExchange } from '@urql/exchange-graphcache';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { CreateEndpointDocument, CreatePatDocument, RegenerateWorkflowTokenDocument, RevokePatDocument } from './generated/graphql';
import { publish } from './workflows-helpers';
import { BACKENDS, dataOf, lastEventId, startTessera, type TestInstance } from './harness/tessera';

const EVENTS = gql`
  query Events($filter: TokenEventFilter) {
    tokenEvents(first: 10, filter: $filter) {
      edges {
        node {
          id
          type
          token {
            tokenId
            status
          }
        }
      }
    }
  }
`;

const LIVE = gql`
  subscription Live($after: ID) {
    tokenEvents(after: $after) {
      id
      type
      token {
        tokenId
        status
      }
      currentToken {
        id
        ... on PersonalAccessToken {
          status
        }
      }
    }
  }
`;

const MY_TOKENS = gql`
  query Mine {
    personalAccessTokens(first: 50) {
      edges {
        node {
          id
          status
        }
      }
    }
  }
`;

interface EventNode {
  id: string;
  type: string;
  token: { tokenId: string; status: string };
}

/**
 * Issue 17: dashboards keep what they read in normalized caches. Each event's snapshot of its
 * token must stay that event's (a token that was EXPIRING when created and REVOKED later shows
 * both), and a live event must be able to update the token itself in the dashboard's lists.
 * Apollo Client's InMemoryCache and urql's graphcache, with their default settings.
 */
describe.each(BACKENDS)('normalized client caches on %s', (backend) => {
  let tessera: TestInstance;

  beforeAll(async () => {
    tessera = await startTessera({ backend });
  });

  afterAll(async () => {
    await tessera?.close();
  });

  /** A PAT created then revoked: two events of one token with different statuses. */
  async function createdThenRevoked(name: string) {
    const created = dataOf(await tessera.gql(CreatePatDocument, { input: { name } })).createPersonalAccessToken.token;
    dataOf(await tessera.gql(RevokePatDocument, { id: created.id }));
    return created;
  }

  const apollo = () =>
    new ApolloClient({
      cache: new InMemoryCache(),
      link: new HttpLink({ uri: `${tessera.url}/graphql`, headers: { authorization: `Bearer ${tessera.adminToken}` } }),
    });

  it("should keep each event's snapshot apart in Apollo's InMemoryCache", async () => {
    const token = await createdThenRevoked('apollo cached');
    const client = apollo();
    const result = await client.query<{ tokenEvents: { edges: { node: EventNode }[] } }>({ query: EVENTS, variables: { filter: { tokenIds: [token.id] } } });
    expect(result.data?.tokenEvents.edges.map(({ node }) => [node.type, node.token.status])).toEqual([
      ['CREATED', token.status],
      ['REVOKED', 'REVOKED'],
    ]);
    // Read back from the cache alone: still each event's own snapshot.
    const cached = client.readQuery<{ tokenEvents: { edges: { node: EventNode }[] } }>({ query: EVENTS, variables: { filter: { tokenIds: [token.id] } } });
    expect(cached?.tokenEvents.edges.map(({ node }) => node.token.status)).toEqual([token.status, 'REVOKED']);
    expect(Object.keys(client.cache.extract() as NormalizedCacheObject).filter((key) => key.startsWith('TokenRef'))).toEqual([]);
    client.stop();
  });

  it("should update the token in a dashboard's list from a live event's currentToken (Apollo over graphql-ws)", async () => {
    const client = apollo();
    const token = dataOf(await tessera.gql(CreatePatDocument, { input: { name: 'watched live' } })).createPersonalAccessToken.token;
    await client.query({ query: MY_TOKENS });
    const listed = () =>
      client
        .readQuery<{ personalAccessTokens: { edges: { node: { id: string; status: string } }[] } }>({ query: MY_TOKENS })
        ?.personalAccessTokens.edges.find(({ node }) => node.id === token.id)?.node.status;
    expect(listed()).toBe(token.status);

    const ws = createClient({
      url: `${tessera.url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${tessera.adminToken}` },
      retryAttempts: 0,
    });
    const live = new ApolloClient({ cache: client.cache, link: new GraphQLWsLink(ws) });
    const received: { tokenEvents: EventNode }[] = [];
    // From the current head: whenever the subscription starts, it replays what came after.
    const after = await lastEventId(tessera);
    const revoked = new Promise<void>((resolve, reject) => {
      const subscription = live.subscribe<{ tokenEvents: EventNode }>({ query: LIVE, variables: { after } }).subscribe({
        next: (result) => {
          if (!result.data || result.data.tokenEvents.token.tokenId !== token.id) return;
          received.push(result.data);
          if (result.data.tokenEvents.type === 'REVOKED') {
            subscription.unsubscribe();
            resolve();
          }
        },
        error: reject,
      });
    });
    dataOf(await tessera.gql(RevokePatDocument, { id: token.id }));
    await revoked;
    expect(received.map((event) => [event.tokenEvents.type, event.tokenEvents.token.status])).toEqual([['REVOKED', 'REVOKED']]);
    // The list, read from the shared cache, shows the token as it is now.
    expect(listed()).toBe('REVOKED');
    await ws.dispose();
    client.stop();
    live.stop();
  });

  it("should keep each event's snapshot apart in urql's graphcache", async () => {
    const token = await createdThenRevoked('urql cached');
    const warnings: string[] = [];
    const client = new Client({
      url: `${tessera.url}/graphql`,
      exchanges: [cacheExchange({ logger: (severity, message) => void (severity !== 'debug' && warnings.push(message)) }), fetchExchange],
      fetchOptions: { headers: { authorization: `Bearer ${tessera.adminToken}` } },
    });
    const read = async (policy: 'network-only' | 'cache-only') =>
      (
        await client
          .query<{ tokenEvents: { edges: { node: EventNode }[] } }>(EVENTS, { filter: { tokenIds: [token.id] } }, { requestPolicy: policy })
          .toPromise()
      ).data?.tokenEvents.edges.map(({ node }) => [node.type, node.token.status]);
    expect(await read('network-only')).toEqual([
      ['CREATED', token.status],
      ['REVOKED', 'REVOKED'],
    ]);
    expect(await read('cache-only')).toEqual([
      ['CREATED', token.status],
      ['REVOKED', 'REVOKED'],
    ]);
  });
});

/**
 * An event's current token is pushed to every listener of an audience and listed in history: it
 * never carries a value (the security issue's rule: no secret in an event), though the same
 * token read alone through node() shows its value to an administrator.
 */
describe.each(BACKENDS)("values never ride an event's current token, on %s", (backend) => {
  let tessera: TestInstance;

  beforeAll(async () => {
    tessera = await startTessera({ backend });
  });

  afterAll(async () => {
    await tessera?.close();
  });

  it("should leave a primary token's secret out of currentToken, in history and live", async () => {
    const after = await lastEventId(tessera);
    const live = tessera.ws().subscribe(
      gql`
        subscription Live($after: ID) {
          tokenEvents(after: $after) {
            token {
              tokenId
              kind
            }
            currentToken {
              id
              ... on EndpointPrimaryToken {
                secret
              }
            }
          }
        }
      ` as never,
      { after } as never,
    );
    const endpoint = dataOf(
      await tessera.gql(CreateEndpointDocument, { input: { name: 'valueless', path: `valueless/${Date.now()}`, authentication: 'TOKEN' } }),
    ).createEndpoint.endpoint;
    const primary = endpoint.primaryTokens[0];
    // Read alone by an administrator, the token shows its value: the field can carry one.
    const alone = await tessera.raw({ query: 'query N($id: ID!) { node(id: $id) { ... on EndpointPrimaryToken { secret } } }', variables: { id: primary.id } });
    expect((alone.body.data as { node: { secret: string | null } }).node.secret).toBe(primary.secret);

    const history = await tessera.raw({
      query:
        'query H($ids: [ID!]) { tokenEvents(first: 10, filter: { tokenIds: $ids }) { edges { node { currentToken { id ... on EndpointPrimaryToken { secret } } } } } }',
      variables: { ids: [primary.id] },
    });
    const nodes = (history.body.data as { tokenEvents: { edges: { node: { currentToken: { id: string; secret: string | null } } }[] } }).tokenEvents.edges;
    expect(nodes.length).toBeGreaterThan(0);
    for (const { node } of nodes) expect(node.currentToken).toEqual({ id: primary.id, secret: null });

    let seen: { tokenEvents: { token: { tokenId: string }; currentToken: { secret?: string | null } | null } } | undefined;
    for (let i = 0; i < 10 && seen?.tokenEvents.token.tokenId !== primary.id; i += 1) seen = (await live.value()) as never;
    expect(seen?.tokenEvents.currentToken).toEqual({ id: primary.id, secret: null });
    expect(JSON.stringify(seen)).not.toContain(primary.secret as string);
    live.unsubscribe();
  });

  it("should refuse to reveal a workflow token's value through a subscription's current token", async () => {
    const { workflow } = await publish(tessera);
    const after = await lastEventId(tessera);
    const live = tessera.ws().subscribe(
      gql`
        subscription Live($after: ID) {
          tokenEvents(after: $after) {
            currentToken {
              ... on WorkflowToken {
                apiEndpoint(reveal: true) {
                  token
                }
              }
            }
          }
        }
      ` as never,
      { after } as never,
    );
    dataOf(await tessera.gql(RegenerateWorkflowTokenDocument, { workflowId: workflow.id }));
    const delivery = await live.next();
    expect(delivery.kind).toBe('error');
    expect(JSON.stringify(delivery)).toContain('BAD_USER_INPUT');
    live.unsubscribe();
  });
});
