import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
} from 'graphql';
import { startTessera, type TestInstance } from './harness/tessera';

/**
 * Property: whatever arguments any query or mutation of the committed schema receives, the
 * answer is data or errors with a code from the closed set — never INTERNAL_SERVER_ERROR — and a
 * refused mutation writes nothing (no event, no audit entry). New operations are covered as soon
 * as they are in schema/schema.graphql.
 */
const schema = buildSchema(readFileSync(join(__dirname, '..', 'schema', 'schema.graphql'), 'utf8'));
const CODES = new Set(['UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'BAD_USER_INPUT', 'CONFLICT', 'RATE_LIMITED']);

const nasty = fc.constantFrom(
  '',
  ' ',
  '\u0000',
  '\u202e',
  '😀'.repeat(60),
  'a'.repeat(5000),
  "'; drop table tokens; --",
  '<script>',
  '../../etc/passwd',
  'NaN',
  '-1',
  '1e309',
  '\ud800',
  'ｔｅｓｔ',
  'Ä'.repeat(101),
);
const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 }), nasty);
const ids = fc.oneof(text, fc.constantFrom('pat_0000000000000000000000', 'wfl_0VbgcZ6AaayoZNB7BQgnfq', 'end_x', '1', '0', '-1', '99999999999999999999'));

function arbitraryFor(type: GraphQLInputType, depth = 0): fc.Arbitrary<unknown> {
  if (isNonNullType(type)) return arbitraryFor(type.ofType, depth);
  const orNull = (arb: fc.Arbitrary<unknown>) => fc.oneof({ weight: 5, arbitrary: arb }, { weight: 1, arbitrary: fc.constant(null) });
  if (isListType(type)) return orNull(fc.array(arbitraryFor(type.ofType, depth + 1), { maxLength: depth > 1 ? 1 : 4 }));
  if (isEnumType(type))
    return orNull(fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...type.getValues().map((value) => value.name)) }, { weight: 1, arbitrary: text }));
  if (isInputObjectType(type)) {
    if (depth > 3) return fc.constant(null);
    const fields = Object.values(type.getFields());
    const record: Record<string, fc.Arbitrary<unknown>> = {};
    for (const field of fields) record[field.name] = arbitraryFor(field.type, depth + 1);
    return orNull(fc.record(record, { requiredKeys: fields.filter((field) => isNonNullType(field.type)).map((field) => field.name) }));
  }
  if (isScalarType(type)) {
    switch (type.name) {
      case 'Int':
        return orNull(fc.oneof(fc.integer({ min: -5, max: 200 }), fc.constantFrom(0, -1, 2147483647, -2147483648), fc.double(), text));
      case 'Float':
        return orNull(fc.oneof(fc.double(), text));
      case 'Boolean':
        return orNull(fc.oneof(fc.boolean(), text));
      case 'ID':
        return orNull(ids);
      case 'DateTimeISO':
        return orNull(
          fc.oneof(
            fc.date({ min: new Date('1970-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((date) => date.toISOString()),
            text,
          ),
        );
      case 'JSONObject':
        return orNull(fc.oneof(fc.object({ maxDepth: 2 }), text));
      default:
        return orNull(text);
    }
  }
  return fc.constant(null);
}

function documentFor(kind: 'query' | 'mutation', field: GraphQLField<unknown, unknown>): string {
  const variables = field.args.map((arg: GraphQLArgument) => `$${arg.name}: ${arg.type.toString()}`).join(', ');
  const passing = field.args.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
  const selection = isScalarType(getNamedType(field.type)) || isEnumType(getNamedType(field.type)) ? '' : ' { __typename }';
  return `${kind} Fuzz${variables ? `(${variables})` : ''} { ${field.name}${passing ? `(${passing})` : ''}${selection} }`;
}

const operations: ['query' | 'mutation', GraphQLField<unknown, unknown>][] = [
  ...Object.values(schema.getQueryType()?.getFields() ?? {}).map((field) => ['query', field] as ['query', GraphQLField<unknown, unknown>]),
  ...Object.values(schema.getMutationType()?.getFields() ?? {}).map((field) => ['mutation', field] as ['mutation', GraphQLField<unknown, unknown>]),
];

describe('any input to any operation', () => {
  let tessera: TestInstance;

  beforeAll(async () => {
    tessera = await startTessera({ backend: 'sqlite' });
  });

  afterAll(async () => {
    await tessera.close();
  });

  async function writes(): Promise<string> {
    const response = await tessera.raw({ query: '{ auditLog(first: 1) { totalCount } tokenEvents(first: 1) { totalCount } }' });
    return JSON.stringify(response.body.data);
  }

  it.each(operations.map(([kind, field]) => [`${kind} ${field.name}`, kind, field] as const))(
    '%s answers a code from the closed set and a refusal writes nothing',
    async (_name, kind, field) => {
      const document = documentFor(kind, field);
      const argsArbitrary = fc.record(Object.fromEntries(field.args.map((arg) => [arg.name, arbitraryFor(arg.type)])));
      await fc.assert(
        fc.asyncProperty(argsArbitrary, async (variables) => {
          const before = kind === 'mutation' ? await writes() : '';
          const response = await tessera.raw({ query: document, variables });
          expect(response.status).toBeLessThan(500);
          for (const error of response.body.errors ?? []) {
            expect(CODES).toContain(error.extensions?.code);
          }
          if (kind === 'mutation' && response.body.errors?.length) expect(await writes()).toBe(before);
        }),
        { numRuns: 25, seed: 20261122 },
      );
    },
  );
});
