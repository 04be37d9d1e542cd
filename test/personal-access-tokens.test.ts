import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DAY } from '../src/core/clock';
import {
  CreatePatDocument,
  CreateUserDocument,
  DeletePatDocument,
  PatsDocument,
  RevokePatDocument,
  ViewerDocument,
  AuditLogDocument,
} from './generated/graphql';
import { BACKENDS, dataOf, errorCodeOf, eventually, startTessera, type TestInstance } from './harness/tessera';

describe.each(BACKENDS)('personal access tokens on %s', (backend) => {
  let tessera: TestInstance;

  beforeAll(async () => {
    tessera = await startTessera({ backend });
  });

  afterAll(async () => {
    await tessera.close();
  });

  async function newMember(role: 'ADMIN' | 'AUTOMATION_ADMIN' | 'DEVELOPER' | 'MEMBER' = 'MEMBER') {
    const email = `${role.toLowerCase()}-${Math.random().toString(36).slice(2)}@example.com`;
    const created = dataOf(await tessera.gql(CreateUserDocument, { input: { email, name: 'Someone', role } }));
    return { ...created.createUser.user, token: created.createUser.secret };
  }

  it('should show the value once at creation, with a curl example, and never in a list', async () => {
    const user = await newMember();
    const created = dataOf(await tessera.gql(CreatePatDocument, { input: { name: 'ci runner', description: 'nightly', duration: 'DAYS_60' } }, user.token));
    const { token, secret, curlExample } = created.createPersonalAccessToken;
    expect(secret).toMatch(/^tsp_[0-9A-Za-z]{46}$/);
    expect(token.start).toBe(secret.slice(0, 8));
    expect(token.status).toBe('ACTIVE');
    expect(curlExample).toContain(`Authorization: Bearer ${secret}`);
    expect(curlExample).toContain('/api/workflows/<workflow-id>/instances');
    // It works as pasted (this instance's address in place of PUBLIC_URL): the API says who the token is.
    const { stdout } = await promisify(execFile)(
      'bash',
      ['-euo', 'pipefail', '-c', curlExample.replaceAll(tessera.server.services.config.publicUrl, tessera.url)],
      { env: { PATH: process.env.PATH } },
    );
    expect(JSON.parse(stdout)).toEqual({ data: { viewer: { name: user.name, role: 'MEMBER', tenant: { name: expect.any(String) } } } });
    expect(new Date(token.expiresAt as string).getTime() - new Date(token.createdAt).getTime()).toBe(60 * DAY);

    const listed = await tessera.raw(
      { query: '{ personalAccessTokens(first: 100) { edges { node { id name start } } } }' },
      { authorization: `Bearer ${user.token}` },
    );
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    expect(JSON.stringify(listed.body)).toContain(token.id);
    expect(tessera.logs.join('\n')).not.toContain(secret);
  });

  it('should let a token act as its owner and stop working at once when revoked', async () => {
    const user = await newMember('DEVELOPER');
    const { secret, token } = dataOf(await tessera.gql(CreatePatDocument, { input: { name: 'to revoke' } }, user.token)).createPersonalAccessToken;
    const viewer = dataOf(await tessera.gql(ViewerDocument, {}, secret)).viewer;
    expect(viewer).toMatchObject({ id: user.id, role: 'DEVELOPER', type: 'user', tokenId: token.id });

    const revoked = dataOf(await tessera.gql(RevokePatDocument, { id: token.id }, user.token)).revokePersonalAccessToken;
    expect(revoked.status).toBe('REVOKED');
    const after = await tessera.gql(ViewerDocument, {}, secret);
    expect(errorCodeOf(after)).toBe('UNAUTHENTICATED');
    expect(errorCodeOf(await tessera.gql(RevokePatDocument, { id: token.id }, user.token))).toBe('CONFLICT');
  });

  it('should record when a token was last used, in batches', async () => {
    const user = await newMember();
    const { secret, token } = dataOf(await tessera.gql(CreatePatDocument, { input: { name: 'used' } }, user.token)).createPersonalAccessToken;
    expect(token.lastUsedAt).toBeNull();
    dataOf(await tessera.gql(ViewerDocument, {}, secret));
    const used = await eventually(
      async () => {
        const list = dataOf(await tessera.gql(PatsDocument, { first: 100 }, user.token)).personalAccessTokens;
        return list.edges.find((edge) => edge.node.id === token.id && edge.node.lastUsedAt)?.node;
      },
      5000,
      'lastUsedAt written',
    );
    expect(used.lastUsedAt).not.toBeNull();
  });

  it('should refuse to delete an active token and delete a revoked one', async () => {
    const user = await newMember();
    const { token } = dataOf(await tessera.gql(CreatePatDocument, { input: { name: 'to delete' } }, user.token)).createPersonalAccessToken;
    const refused = await tessera.gql(DeletePatDocument, { id: token.id }, user.token);
    expect(errorCodeOf(refused)).toBe('CONFLICT');
    expect(refused.errors?.[0]?.extensions?.reason).toBe('STILL_ACTIVE');
    dataOf(await tessera.gql(RevokePatDocument, { id: token.id }, user.token));
    const deleted = dataOf(await tessera.gql(DeletePatDocument, { id: token.id }, user.token)).deletePersonalAccessToken;
    expect(deleted.id).toBe(token.id);
    const list = dataOf(await tessera.gql(PatsDocument, { first: 100 }, user.token)).personalAccessTokens;
    expect(list.edges.map((edge) => edge.node.id)).not.toContain(token.id);
    expect(errorCodeOf(await tessera.gql(DeletePatDocument, { id: token.id }, user.token))).toBe('NOT_FOUND');
  });

  it('should let an expired token be deleted and report it EXPIRED', async () => {
    const user = await newMember();
    const { token, secret } = dataOf(
      await tessera.gql(
        CreatePatDocument,
        { input: { name: 'short', duration: 'CUSTOM', expiresAt: new Date(tessera.clock.now().getTime() + DAY).toISOString() } },
        user.token,
      ),
    ).createPersonalAccessToken;
    tessera.clock.advance(DAY + 1000);
    try {
      expect(errorCodeOf(await tessera.gql(ViewerDocument, {}, secret))).toBe('UNAUTHENTICATED');
      const expired = dataOf(await tessera.gql(PatsDocument, { first: 100, filter: { status: 'EXPIRED' } }, user.token)).personalAccessTokens;
      expect(expired.edges.map((edge) => edge.node.id)).toContain(token.id);
      dataOf(await tessera.gql(DeletePatDocument, { id: token.id }, user.token));
    } finally {
      tessera.clock.advance(-(DAY + 1000));
    }
  });

  it('should compute ACTIVE, EXPIRING, EXPIRED and REVOKED and filter by them', async () => {
    const user = await newMember();
    const make = async (name: string, duration: 'DAYS_7' | 'DAYS_30' | 'YEAR') =>
      dataOf(await tessera.gql(CreatePatDocument, { input: { name, duration } }, user.token)).createPersonalAccessToken.token;
    const year = await make('year', 'YEAR');
    const month = await make('month', 'DAYS_30');
    const week = await make('week', 'DAYS_7');
    const revoked = await make('revoked', 'YEAR');
    dataOf(await tessera.gql(RevokePatDocument, { id: revoked.id }, user.token));
    // No token is EXPIRING at birth (issue 19): the window is the largest warning threshold (30,
    // 7, 1 days) at most half the term — 30 days for a year, 7 for a month, 1 for a week.
    for (const token of [year, month, week]) expect(token.status).toBe('ACTIVE');
    const day = 86_400_000;
    expect(new Date(week.expiresAt!).getTime() - new Date(week.expiringAt!).getTime()).toBe(day);
    expect(new Date(month.expiresAt!).getTime() - new Date(month.expiringAt!).getTime()).toBe(7 * day);
    expect(new Date(year.expiresAt!).getTime() - new Date(year.expiringAt!).getTime()).toBe(30 * day);
    // Read with a token that outlives the clock moves below (the user's first one lives 7 days).
    const reader = dataOf(await tessera.gql(CreatePatDocument, { input: { name: 'reader', duration: 'YEAR' } }, user.token)).createPersonalAccessToken;
    const ids = async (status: 'ACTIVE' | 'EXPIRING' | 'REVOKED') =>
      dataOf(await tessera.gql(PatsDocument, { first: 100, filter: { status } }, reader.secret)).personalAccessTokens.edges.map((edge) => edge.node.id);
    expect(await ids('ACTIVE')).toEqual(expect.arrayContaining([year.id, month.id, week.id]));
    expect(await ids('EXPIRING')).toEqual([]);
    expect(await ids('REVOKED')).toEqual([revoked.id]);
    // Six days and a bit on, the week is inside its last day; the month and the year are not yet in theirs.
    tessera.clock.advance(6 * day + 60_000);
    try {
      // The user's first token (7 days, made just before) is in its last day too.
      expect(await ids('EXPIRING')).toEqual(expect.arrayContaining([week.id]));
      expect(await ids('EXPIRING')).not.toEqual(expect.arrayContaining([month.id]));
      expect(await ids('ACTIVE')).toEqual(expect.arrayContaining([year.id, month.id]));
      expect(await ids('ACTIVE')).not.toContain(week.id);
      tessera.clock.advance(17 * day);
      expect(await ids('EXPIRING')).toEqual([month.id]);
    } finally {
      tessera.clock.advance(-(23 * day + 60_000));
    }
  });

  it('should page through a list with cursors and count it whole', async () => {
    const user = await newMember();
    for (let i = 0; i < 5; i += 1) dataOf(await tessera.gql(CreatePatDocument, { input: { name: `page ${i}` } }, user.token));
    const first = dataOf(await tessera.gql(PatsDocument, { first: 2 }, user.token)).personalAccessTokens;
    // The user's first token plus five.
    expect(first.totalCount).toBe(6);
    expect(first.edges).toHaveLength(2);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = dataOf(await tessera.gql(PatsDocument, { first: 10, after: first.pageInfo.endCursor }, user.token)).personalAccessTokens;
    expect(second.edges).toHaveLength(4);
    expect(second.pageInfo.hasNextPage).toBe(false);
    const all = [...first.edges, ...second.edges].map((edge) => edge.node.name);
    expect(all.slice(0, 5)).toEqual(['page 4', 'page 3', 'page 2', 'page 1', 'page 0']);
  });

  describe('bad input', () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ['an empty name', { name: '' }, 'input.name'],
      ['an overlong name', { name: 'x'.repeat(101) }, 'input.name'],
      ['a name with control characters', { name: 'bad\u0007name' }, 'input.name'],
      ['a name padded with spaces', { name: ' padded ' }, 'input.name'],
      ['an overlong description', { name: 'ok', description: 'x'.repeat(1001) }, 'input.description'],
      ['CUSTOM without an end', { name: 'ok', duration: 'CUSTOM' }, 'input.expiresAt'],
      ['an end in the past', { name: 'ok', duration: 'CUSTOM', expiresAt: '2000-01-01T00:00:00.000Z' }, 'input.expiresAt'],
      ['an end past the tenant maximum', { name: 'ok', duration: 'CUSTOM', expiresAt: new Date(Date.now() + 400 * DAY).toISOString() }, 'input.expiresAt'],
      ['an end with a fixed duration', { name: 'ok', duration: 'DAYS_30', expiresAt: new Date(Date.now() + 10 * DAY).toISOString() }, 'input.expiresAt'],
    ];

    it.each(cases)('should refuse %s with BAD_USER_INPUT naming the field and write nothing', async (_what, input, field) => {
      const user = await newMember();
      const before = dataOf(await tessera.gql(PatsDocument, { first: 100 }, user.token)).personalAccessTokens.totalCount;
      const response = await tessera.gql(CreatePatDocument, { input: input as never }, user.token);
      expect(errorCodeOf(response)).toBe('BAD_USER_INPUT');
      expect(response.errors?.[0]?.extensions?.field).toBe(field);
      expect(response.data).toBeNull();
      const afterCount = dataOf(await tessera.gql(PatsDocument, { first: 100 }, user.token)).personalAccessTokens.totalCount;
      expect(afterCount).toBe(before);
    });

    it('should refuse an unknown duration and a bad id with BAD_USER_INPUT or NOT_FOUND', async () => {
      expect(errorCodeOf(await tessera.gql(CreatePatDocument, { input: { name: 'x', duration: 'DAYS_3' as never } }))).toBe('BAD_USER_INPUT');
      expect(errorCodeOf(await tessera.gql(RevokePatDocument, { id: 'not-an-id' }))).toBe('NOT_FOUND');
      expect(errorCodeOf(await tessera.gql(PatsDocument, { first: 0 }))).toBe('BAD_USER_INPUT');
      expect(errorCodeOf(await tessera.gql(PatsDocument, { first: 101 }))).toBe('BAD_USER_INPUT');
      expect(errorCodeOf(await tessera.gql(PatsDocument, { after: 'garbage' }))).toBe('BAD_USER_INPUT');
    });
  });

  it("should not let one user revoke or see another user's token, but let an administrator revoke it", async () => {
    const alice = await newMember();
    const bob = await newMember();
    const { token } = dataOf(await tessera.gql(CreatePatDocument, { input: { name: 'alice' } }, alice.token)).createPersonalAccessToken;
    expect(errorCodeOf(await tessera.gql(RevokePatDocument, { id: token.id }, bob.token))).toBe('NOT_FOUND');
    const bobs = dataOf(await tessera.gql(PatsDocument, { first: 100 }, bob.token)).personalAccessTokens;
    expect(bobs.edges.map((edge) => edge.node.id)).not.toContain(token.id);
    expect(dataOf(await tessera.gql(RevokePatDocument, { id: token.id })).revokePersonalAccessToken.status).toBe('REVOKED');
  });

  it('should write an audit entry for every change', async () => {
    const user = await newMember();
    const { token } = dataOf(await tessera.gql(CreatePatDocument, { input: { name: 'audited' } }, user.token)).createPersonalAccessToken;
    dataOf(await tessera.gql(RevokePatDocument, { id: token.id }, user.token));
    const log = dataOf(await tessera.gql(AuditLogDocument, { first: 100, targetId: token.id })).auditLog;
    expect(log.edges.map((edge) => edge.node.action)).toEqual(['personal_access_token.revoked', 'personal_access_token.created']);
    expect(log.edges[0].node).toMatchObject({ actorType: 'user', actorId: user.id, targetName: 'audited' });
    expect(errorCodeOf(await tessera.gql(AuditLogDocument, { first: 10 }, user.token))).toBe('FORBIDDEN');
  });
});
