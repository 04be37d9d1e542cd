import {
  buildSchema,
  execute,
  GraphQLError,
  GraphQLScalarType,
  isEnumType,
  isScalarType,
  isSpecifiedScalarType,
  Kind,
  parse,
  type OperationDefinitionNode,
} from 'graphql';
import 'reflect-metadata';
import { JitExecutor } from '../../src/core/graphql/jit-executor';
import { buildTesseraSchema } from '../../src/schema';

/** A schema with what Tessera's uses: interfaces, unions, enums, input defaults, a Date scalar, lists, non-null, async resolvers and errors. */
const schema = buildSchema(`
  scalar Stamp
  enum Kind { PERSONAL_ACCESS WORKFLOW }
  interface Token { id: ID! kind: Kind! }
  type Pat implements Token { id: ID! kind: Kind! owner: String }
  type Workflow implements Token { id: ID! kind: Kind! start: String! }
  union Found = Pat | Workflow
  input Filter { kind: Kind! = PERSONAL_ACCESS, after: Stamp }
  type Query {
    tokens(first: Int! = 2, filter: Filter): [Token!]!
    found: [Found]
    broken: [Pat!]
    failing: String
    refused: String
    at(stamp: Stamp!): Stamp
  }
`);

const stamp = schema.getType('Stamp') as GraphQLScalarType;
Object.assign(stamp, {
  serialize: (value: unknown) => (value as Date).toISOString(),
  parseValue: (value: unknown) => (value instanceof Date ? value : new Date(String(value))),
  parseLiteral: (ast: { kind: string; value?: string }) => new Date(String(ast.value)),
});
const tokens = [
  { id: 'p1', kind: 'PERSONAL_ACCESS', owner: 'ann' },
  { id: 'w1', kind: 'WORKFLOW', start: 'push' },
  { id: 'p2', kind: 'PERSONAL_ACCESS', owner: null },
];
const typeOf = (value: { kind: string }) => (value.kind === 'WORKFLOW' ? 'Workflow' : 'Pat');
Object.assign(schema.getType('Token') as object, { resolveType: typeOf });
Object.assign(schema.getType('Found') as object, { resolveType: typeOf });
const fields = schema.getQueryType()!.getFields();
fields.tokens.resolve = async (_root, args: { first: number; filter?: { kind: string; after?: Date } }, context: { seen: unknown[] }) => {
  context.seen.push(args);
  return tokens.filter((token) => !args.filter || token.kind === args.filter.kind).slice(0, args.first);
};
fields.found.resolve = () => [...tokens, null];
fields.broken.resolve = () => [{ id: 'ok' }, { id: null }];
fields.failing.resolve = async () => {
  throw new Error('storage said no');
};
fields.refused.resolve = () => {
  throw new GraphQLError('not yours', { extensions: { code: 'FORBIDDEN' } });
};
fields.at.resolve = (_root, args: { stamp: Date }) => new Date(args.stamp.getTime() + 1000);

function requestFor(query: string, variables: Record<string, unknown> = {}, operationName: string | null = null) {
  const document = parse(query);
  const operation = document.definitions.find((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION)!;
  return { document, operation, operationName, queryHash: query, context: { seen: [] as unknown[] }, request: { variables } };
}

/** Both answers, errors as clients see them (message, path, locations, extensions), in path order (the order of errors from concurrent resolvers is not defined). */
async function bothWays(query: string, variables: Record<string, unknown> = {}) {
  const executor = new JitExecutor(schema, 10, 1);
  const request = requestFor(query, variables);
  const jit = await executor.execute(request as never);
  const reference = await execute({ schema, document: request.document, variableValues: variables, contextValue: { seen: [] } });
  const byPath = (a: GraphQLError, b: GraphQLError) => JSON.stringify(a.path).localeCompare(JSON.stringify(b.path));
  const shown = (result: typeof jit) =>
    JSON.parse(JSON.stringify({ data: result.data, errors: result.errors && [...result.errors].sort(byPath).map((error) => error.toJSON()) }));
  return { jit, jitShown: shown(jit), referenceShown: shown(reference), request };
}

describe('JitExecutor', () => {
  it('should answer exactly as graphql-js: fragments, aliases, directives, abstract types, scalars, defaults', async () => {
    const query = `query Q($skip: Boolean!, $filter: Filter, $at: Stamp!) {
      all: tokens(first: 3) { __typename id ...on Pat { owner } ...W }
      pats: tokens(filter: $filter) { id kind }
      found { __typename ...on Workflow { start } ...on Pat { id } }
      hidden: tokens @skip(if: $skip) { id }
      at(stamp: $at)
    }
    fragment W on Workflow { start kind }`;
    const { jitShown, referenceShown } = await bothWays(query, { skip: true, filter: {}, at: '2026-01-02T03:04:05.000Z' });
    expect(jitShown.errors).toBeUndefined();
    expect(jitShown).toEqual(referenceShown);
    expect(jitShown.data.at).toBe('2026-01-02T03:04:06.000Z');
    expect(jitShown.data.hidden).toBeUndefined();
  });

  it("should apply an input field's default, which graphql-jit alone refuses as missing", async () => {
    const { jit, request } = await bothWays('query Q($filter: Filter) { tokens(filter: $filter) { id } }', { filter: {} });
    expect(jit.errors).toBeUndefined();
    expect(request.context.seen).toEqual([{ first: 2, filter: { kind: 'PERSONAL_ACCESS' } }]);
  });

  it('should report resolver errors and nulls in non-null places as graphql-js does, as graphql-js errors', async () => {
    const { jit, jitShown, referenceShown } = await bothWays('{ failing refused broken { id } }');
    expect(jitShown).toEqual(referenceShown);
    expect(jitShown.errors.map((error: { path: string[] }) => error.path[0]).sort()).toEqual(['broken', 'failing', 'refused']);
    for (const error of jit.errors ?? []) {
      // Apollo reads extensions.code of every error; graphql-jit leaves extensions undefined.
      expect(error.extensions).toBeDefined();
      expect(error.locations?.length).toBe(1);
    }
    const failing = jit.errors!.find((error) => error.path?.[0] === 'failing')!;
    expect((failing.originalError as Error).message).toBe('storage said no');
    expect(jit.errors!.find((error) => error.path?.[0] === 'refused')!.extensions.code).toBe('FORBIDDEN');
  });

  it("should refuse bad variables with graphql-js's request errors (what Apollo answers BAD_USER_INPUT)", async () => {
    const { jit, jitShown, referenceShown } = await bothWays('query Q($first: Int!) { tokens(first: $first) { id } }', { first: 'many' });
    expect(jitShown).toEqual(referenceShown);
    expect(jit.data).toBeUndefined();
    expect(jit.errors?.[0].message).toMatch(/^Variable "\$first" got invalid value/);
    expect(jit.errors?.[0].nodes?.[0].kind).toBe(Kind.VARIABLE_DEFINITION);
  });

  /** The executor's LRU of documents, read without touching its order: `get` is `peek`, `keys` go least recently used first. */
  type Documents = { peek(key: string): { runs: number; query?: unknown } | undefined; rkeys(): Iterable<string> };
  const documentsOf = (executor: JitExecutor) => {
    const documents = (executor as unknown as { documents: Documents }).documents;
    return { get: (key: string) => documents.peek(key), keys: () => documents.rkeys() };
  };

  it('should compile a document on its second run, once, and keep at most the configured number, dropping the least recently used', async () => {
    const executor = new JitExecutor(schema, 2);
    const run = (query: string) => executor.execute(requestFor(query) as never);
    await run('{ a: failing }');
    expect(documentsOf(executor).get('{ a: failing }:')).toEqual({ runs: 1 });
    await run('{ a: failing }');
    const compiled = documentsOf(executor).get('{ a: failing }:')?.query;
    expect(typeof (compiled as { query?: unknown }).query).toBe('function');
    await run('{ a: failing }');
    expect(documentsOf(executor).get('{ a: failing }:')).toEqual({ runs: 3, query: compiled });
    await run('{ b: failing }');
    await run('{ a: failing }');
    await run('{ c: failing }');
    expect(executor.size).toBe(2);
    expect([...documentsOf(executor).keys()]).toEqual(['{ a: failing }:', '{ c: failing }:']);
  });

  it('should leave a document graphql-jit cannot compile to graphql-js', async () => {
    const executor = new JitExecutor(schema, 10, 1);
    const request = requestFor('query One { failing } query Two { refused }', {}, 'Three');
    const result = await executor.execute(request as never);
    expect(result.errors?.[0].message).toBe('Unknown operation named "Three".');
    expect(documentsOf(executor).get('query One { failing } query Two { refused }:Three')).toEqual({ runs: 1, query: null });
  });
});

/**
 * graphql-jit coerces the variables graphql-js has coerced already (see jit-executor.ts). That is
 * harmless only while coercing a coerced value changes nothing: every enum value's internal value
 * is its name, and every scalar takes its own parsed values. A new enum or scalar that breaks
 * this fails here, not in production.
 */
describe("Tessera's schema, as the executor's double coercion needs it", () => {
  it('should have enums whose values are their names, and only scalars that take their own parsed values', async () => {
    const tessera = await buildTesseraSchema();
    const types = Object.values(tessera.getTypeMap()).filter((type) => !type.name.startsWith('__'));
    const enumValues = types.filter(isEnumType).flatMap((type) => type.getValues().map((value) => [`${type.name}.${value.name}`, value.value]));
    expect(enumValues.length).toBeGreaterThan(20);
    for (const [name, value] of enumValues) expect(`${name}=${String(value)}`).toBe(`${name}=${name.split('.')[1]}`);
    const scalars = types.filter(isScalarType).filter((type) => !isSpecifiedScalarType(type));
    expect(scalars.map((type) => type.name).sort()).toEqual(['DateTimeISO', 'JSON', 'JSONObject']);
    const stampType = tessera.getType('DateTimeISO') as GraphQLScalarType;
    const parsed = stampType.parseValue('2026-01-02T03:04:05.000Z') as Date;
    expect((stampType.parseValue(parsed) as Date).toISOString()).toBe(parsed.toISOString());
    const json = tessera.getType('JSONObject') as GraphQLScalarType;
    const object = json.parseValue({ a: [1, 'b'] });
    expect(json.parseValue(object)).toEqual(object);
  });
});
