import { paginate } from '../src/core/db/paginate';
import type { TokenKind } from '../src/core/tokens/token-kind';
import { TOKEN_FIELD_PROPERTIES, TokenRecord } from '../src/core/tokens/token.entity';
import { CreatePatDocument, RevokePatDocument } from './generated/graphql';
import { BACKENDS, dataOf, startTessera, type TestInstance } from './harness/tessera';

/**
 * Lists read rows without making them managed entities (`readOnly`, the list fast path); the
 * values must be exactly those the managed entities carry, types included, on both databases.
 */
describe.each(BACKENDS)('paginate on %s', (backend) => {
  let tessera: TestInstance;
  const counts: string[] = [];

  beforeAll(async () => {
    tessera = await startTessera({ backend, sweep: false, onQuery: (sql) => /\bcount\(/i.test(sql) && counts.push(sql) });
    for (const [name, duration] of [
      ['a', 'DAYS_7'],
      ['b', 'YEAR'],
      ['c', 'DAYS_30'],
    ] as const) {
      const { token } = dataOf(
        await tessera.gql(CreatePatDocument, { input: { name, description: name === 'b' ? 'with a description' : null, duration } }),
      ).createPersonalAccessToken;
      if (name === 'c') dataOf(await tessera.gql(RevokePatDocument, { id: token.id }));
    }
  });

  afterAll(async () => {
    await tessera.close();
  });

  it('should read the same values, of the same types, as managed entities', async () => {
    const where = { kind: 'PERSONAL_ACCESS' as const };
    const managed = await paginate(tessera.server.orm.em.fork(), TokenRecord, where, { first: 10 });
    const plain = await paginate(tessera.server.orm.em.fork(), TokenRecord, where, { first: 10 }, 'desc', { readOnly: true });
    expect(await plain.totalCount()).toBe(await managed.totalCount());
    expect(plain.items.length).toBeGreaterThanOrEqual(4);
    const props = Object.keys(tessera.server.orm.getMetadata().get(TokenRecord.name).properties);
    const shape = (row: TokenRecord) =>
      Object.fromEntries(
        props
          .map((prop) => [prop, (row as unknown as Record<string, unknown>)[prop]])
          .map(([prop, value]) => [prop, value instanceof Date ? `Date ${value.toISOString()}` : value === undefined ? null : value]),
      );
    expect(plain.items.map(shape)).toEqual(managed.items.map(shape));
    // Dates are Dates (not strings or numbers), and a revoked token reads revoked.
    expect(plain.items.every((row) => row.createdAt instanceof Date)).toBe(true);
    expect(plain.items.some((row) => row.revokedAt instanceof Date)).toBe(true);
  });

  it('should read only the fields a list shows when given them, with the same values', async () => {
    const where = { kind: 'PERSONAL_ACCESS' as const };
    const managed = await paginate(tessera.server.orm.em.fork(), TokenRecord, where, { first: 10 });
    const fields = [...TOKEN_FIELD_PROPERTIES, 'ownerId'] as const;
    const narrow = await paginate(tessera.server.orm.em.fork(), TokenRecord, where, { first: 10 }, 'desc', { readOnly: true, fields });
    expect(await narrow.totalCount()).toBe(await managed.totalCount());
    // No other column is read (tenantId, updatedAt, subjectId, notice bookkeeping …) ...
    for (const row of narrow.items)
      expect(
        Object.keys(row)
          .filter((key) => (row as Record<string, unknown>)[key] !== undefined)
          .every((key) => (fields as readonly string[]).includes(key)),
      ).toBe(true);
    expect(narrow.items.every((row) => !('tenantId' in row) || (row as Record<string, unknown>).tenantId === undefined)).toBe(true);
    // ... and those read are the managed entities' own values, of the same types.
    const pick = (row: Record<string, unknown>) =>
      Object.fromEntries(fields.map((field) => [field, row[field] instanceof Date ? `Date ${(row[field] as Date).toISOString()}` : (row[field] ?? null)]));
    expect(narrow.items.map((row) => pick(row as Record<string, unknown>))).toEqual(
      managed.items.map((row) => pick(row as unknown as Record<string, unknown>)),
    );
    expect(narrow.items.some((row) => row.description === 'with a description' && row.revokedAt === null && row.expiresAt instanceof Date)).toBe(true);
  });

  it('should count a whole list only when a query selects totalCount', async () => {
    const lists = [
      ['personalAccessTokens(first: 2)', 'tokens'],
      ['tokenEvents(first: 2)', 'token_events'],
      ['apps(first: 2)', 'apps'],
    ];
    for (const [field, table] of lists) {
      counts.length = 0;
      const without = await tessera.raw({ query: `{ ${field} { edges { cursor } pageInfo { hasNextPage } } }` });
      expect(without.body.errors).toBeUndefined();
      expect(counts).toEqual([]);
      const withCount = await tessera.raw({ query: `{ ${field} { totalCount edges { cursor } } }` });
      expect(withCount.body.errors).toBeUndefined();
      expect(counts).toHaveLength(1);
      expect(counts[0]).toContain(table);
      const listed = Object.values(withCount.body.data ?? {})[0] as { totalCount: number; edges: unknown[] };
      expect(listed.totalCount).toBeGreaterThanOrEqual(listed.edges.length);
    }
  });
});
