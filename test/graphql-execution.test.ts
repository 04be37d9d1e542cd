import { CreatePatDocument, RevokePatDocument } from './generated/graphql';
import { dataOf, startSibling, startTessera, type TestInstance } from './harness/tessera';

/**
 * graphql-jit against graphql-js through the API: two instances on one database, one compiling
 * every document (the harness's TESSERA_GRAPHQL_COMPILE_AFTER=1), one never compiling (0), must
 * answer the same requests with the same status and the same bytes.
 */
describe('GraphQL execution: compiled (graphql-jit) and interpreted (graphql-js) answer alike', () => {
  let compiled: TestInstance;
  let interpreted: TestInstance;

  beforeAll(async () => {
    compiled = await startTessera({ backend: 'sqlite' });
    interpreted = await startSibling(compiled, { backend: 'sqlite', env: { TESSERA_GRAPHQL_COMPILE_AFTER: '0' } });
    for (const name of ['alpha', 'beta', 'gamma']) dataOf(await compiled.gql(CreatePatDocument, { input: { name, duration: 'YEAR' } }));
    const { token } = dataOf(await compiled.gql(CreatePatDocument, { input: { name: 'revoked' } })).createPersonalAccessToken;
    dataOf(await compiled.gql(RevokePatDocument, { id: token.id }));
  });

  afterAll(async () => {
    await Promise.all([interpreted?.close(), compiled?.close()]);
  });

  const LIST = `
    query List($first: Int, $filter: PersonalAccessTokenFilter, $withOwner: Boolean!) {
      all: personalAccessTokens(first: $first) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { cursor node { ...Fields } }
      }
      revoked: personalAccessTokens(filter: $filter) { edges { node { id status revokedAt } } }
      viewer { __typename id role tenant { id name } ... @include(if: $withOwner) { name } }
    }
    fragment Fields on PersonalAccessToken { __typename id kind name description start status expiresAt createdAt ownerId }`;

  const cases: [string, { query: string; variables?: Record<string, unknown> }][] = [
    ['a list with fragments, aliases, directives and variables', { query: LIST, variables: { first: 3, filter: { status: 'REVOKED' }, withOwner: true } }],
    ['the same list with other variables', { query: LIST, variables: { first: 100, filter: { status: 'ACTIVE' }, withOwner: false } }],
    [
      'a resolver error (unknown id)',
      { query: 'mutation ($id: ID!) { revokePersonalAccessToken(id: $id) { id } }', variables: { id: 'pat_0000000000000000000000' } },
    ],
    ['an argument that fails validation', { query: 'mutation { createPersonalAccessToken(input: { name: "", duration: YEAR }) { secret } }' }],
    ['a variable of the wrong type', { query: 'query ($first: Int) { personalAccessTokens(first: $first) { totalCount } }', variables: { first: 'many' } }],
    ['a bad cursor', { query: '{ personalAccessTokens(after: "nonsense") { totalCount } }' }],
  ];

  it.each(cases)('should answer %s identically', async (_name, request) => {
    // Twice on the compiling instance: the first run compiles, the second reuses the function.
    const first = await compiled.raw(request);
    const again = await compiled.raw(request);
    const reference = await interpreted.raw(request);
    expect(first.status).toBe(reference.status);
    expect(JSON.stringify(first.body)).toBe(JSON.stringify(reference.body));
    expect(JSON.stringify(again.body)).toBe(JSON.stringify(reference.body));
  });

  it('should answer with data where data is due, and with the codes clients rely on', async () => {
    const list = await compiled.raw(cases[0][1]);
    const data = list.body.data as { all: { totalCount: number; edges: unknown[] }; revoked: { edges: { node: { status: string } }[] } };
    expect(data.all.totalCount).toBeGreaterThanOrEqual(4);
    expect(data.all.edges).toHaveLength(3);
    expect(data.revoked.edges.map((edge) => edge.node.status)).toEqual(['REVOKED']);
    const codes = await Promise.all(cases.slice(2).map(async ([, request]) => (await compiled.raw(request)).body.errors?.[0]?.extensions?.code));
    expect(codes).toEqual(['NOT_FOUND', 'BAD_USER_INPUT', 'BAD_USER_INPUT', 'BAD_USER_INPUT']);
  });
});
