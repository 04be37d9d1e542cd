import {
  CreatePatDocument,
  CreateUserDocument,
  DeletePatDocument,
  OwnPatsDocument,
  RevokePatDocument,
  TenantPatsDocument,
  TokenPolicyDocument,
  UpdateTokenPolicyDocument,
  ViewerDocument,
} from './generated/graphql';
import { BACKENDS, dataOf, errorCodeOf, startTessera, type GraphQLResponse, type TestInstance } from './harness/tessera';

const DAY = 86_400_000;

/**
 * A tenant's token policy and administrators' oversight of personal access tokens (issue 19;
 * seeds 001 and 003): what a new token may be, every token of the tenant with its owner, maker
 * and duration, and revoke-and-delete in one step.
 */
describe.each(BACKENDS)('token policy and oversight, on %s', (backend) => {
  let tessera: TestInstance;
  let member: { id: string; secret: string };

  beforeAll(async () => {
    tessera = await startTessera({ backend });
    const made = dataOf(
      await tessera.gql(CreateUserDocument, { input: { email: `member-${backend}@example.com`, name: 'Mia Member', role: 'MEMBER' } }),
    ).createUser;
    member = { id: made.user.id, secret: made.secret };
  });

  afterAll(async () => {
    await tessera.close();
  });

  const fieldOf = (response: GraphQLResponse<unknown>) => response.errors?.[0]?.extensions?.field;
  const messageOf = (response: GraphQLResponse<unknown>) => response.errors?.[0]?.message ?? '';
  const life = (token: { createdAt: unknown; expiresAt?: unknown }) =>
    new Date(String(token.expiresAt)).getTime() - new Date(String(token.createdAt)).getTime();

  it('should hold every new token to the policy, with the defaults the seeds agree on', async () => {
    const policy = dataOf(await tessera.gql(TokenPolicyDocument, {}, member.secret)).tokenPolicy;
    expect(policy).toEqual({
      defaultPersonalAccessTokenDuration: 'DAYS_7',
      personalAccessTokenDurations: ['DAYS_7', 'DAYS_30', 'DAYS_60', 'DAYS_90', 'YEAR', 'CUSTOM'],
      maxPersonalAccessTokenLifetimeDays: 366,
      allowNonExpiringPersonalAccessTokens: false,
      updatedAt: null,
    });
    const byDefault = dataOf(await tessera.gql(CreatePatDocument, { input: { name: 'default' } }, member.secret)).createPersonalAccessToken.token;
    expect(life(byDefault)).toBe(7 * DAY);
    const never = await tessera.gql(CreatePatDocument, { input: { name: 'forever', duration: 'NEVER' } }, member.secret);
    expect(errorCodeOf(never)).toBe('BAD_USER_INPUT');
    expect(fieldOf(never)).toBe('input.duration');
    expect(messageOf(never)).toContain('does not allow tokens without an end');
  });

  it('should let administrators change the policy, and refuse a policy that does not hold together', async () => {
    expect(errorCodeOf(await tessera.gql(UpdateTokenPolicyDocument, { input: { defaultPersonalAccessTokenDuration: 'YEAR' } }, member.secret))).toBe(
      'FORBIDDEN',
    );
    const bad: [Record<string, unknown>, string][] = [
      [{ defaultPersonalAccessTokenDuration: 'CUSTOM' }, 'input.defaultPersonalAccessTokenDuration'],
      [{ personalAccessTokenDurations: [] }, 'input.personalAccessTokenDurations'],
      [{ personalAccessTokenDurations: ['DAYS_30'] }, 'input.defaultPersonalAccessTokenDuration'],
      [{ personalAccessTokenDurations: ['DAYS_7', 'NEVER'] }, 'input.personalAccessTokenDurations'],
      [{ maxPersonalAccessTokenLifetimeDays: 30 }, 'input.personalAccessTokenDurations'],
      [{ maxPersonalAccessTokenLifetimeDays: 0 }, 'input.maxPersonalAccessTokenLifetimeDays'],
      [{ defaultPersonalAccessTokenDuration: 'NEVER' }, 'input.defaultPersonalAccessTokenDuration'],
    ];
    for (const [input, field] of bad) {
      const response = await tessera.gql(UpdateTokenPolicyDocument, { input });
      expect({ input, code: errorCodeOf(response), field: fieldOf(response) }).toEqual({ input, code: 'BAD_USER_INPUT', field });
    }
    // Nothing changed.
    expect(dataOf(await tessera.gql(TokenPolicyDocument, {})).tokenPolicy.updatedAt).toBeNull();

    // Seed 001: twelve months by default; seed 003's shorter choices stay offered.
    const changed = dataOf(
      await tessera.gql(UpdateTokenPolicyDocument, {
        input: { defaultPersonalAccessTokenDuration: 'YEAR', personalAccessTokenDurations: ['DAYS_30', 'DAYS_90', 'YEAR', 'CUSTOM'] },
      }),
    ).updateTokenPolicy;
    expect(changed).toMatchObject({ defaultPersonalAccessTokenDuration: 'YEAR', personalAccessTokenDurations: ['DAYS_30', 'DAYS_90', 'YEAR', 'CUSTOM'] });
    expect(changed.updatedAt).not.toBeNull();
    expect(life(dataOf(await tessera.gql(CreatePatDocument, { input: { name: 'a year' } }, member.secret)).createPersonalAccessToken.token)).toBe(365 * DAY);
    const week = await tessera.gql(CreatePatDocument, { input: { name: 'a week', duration: 'DAYS_7' } }, member.secret);
    expect(fieldOf(week)).toBe('input.duration');
    expect(messageOf(week)).toContain('DAYS_30, DAYS_90, YEAR, CUSTOM');

    // A shorter maximum: the year goes, and a custom end past it names the limit.
    dataOf(
      await tessera.gql(UpdateTokenPolicyDocument, {
        input: {
          maxPersonalAccessTokenLifetimeDays: 90,
          defaultPersonalAccessTokenDuration: 'DAYS_30',
          personalAccessTokenDurations: ['DAYS_30', 'DAYS_90', 'CUSTOM'],
        },
      }),
    );
    const far = await tessera.gql(
      CreatePatDocument,
      { input: { name: 'far', duration: 'CUSTOM', expiresAt: new Date(tessera.clock.now().getTime() + 100 * DAY).toISOString() } },
      member.secret,
    );
    expect(fieldOf(far)).toBe('input.expiresAt');
    expect(messageOf(far)).toContain('90 days');
    expect(dataOf(await tessera.gql(ViewerDocument, {})).viewer.tenant.maxTokenLifetimeDays).toBe(90);

    // Tokens without an end, where allowed.
    dataOf(await tessera.gql(UpdateTokenPolicyDocument, { input: { allowNonExpiringPersonalAccessTokens: true } }));
    const forever = dataOf(await tessera.gql(CreatePatDocument, { input: { name: 'forever', duration: 'NEVER' } }, member.secret)).createPersonalAccessToken
      .token;
    expect(forever.expiresAt).toBeNull();

    // Back to the defaults for the other tests.
    dataOf(
      await tessera.gql(UpdateTokenPolicyDocument, {
        input: {
          maxPersonalAccessTokenLifetimeDays: 366,
          defaultPersonalAccessTokenDuration: 'DAYS_7',
          personalAccessTokenDurations: ['DAYS_7', 'DAYS_30', 'DAYS_60', 'DAYS_90', 'YEAR', 'CUSTOM'],
          allowNonExpiringPersonalAccessTokens: false,
        },
      }),
    );
  });

  it("should show administrators every person's tokens, with owner, maker and duration, narrowed by owner, status and end", async () => {
    const month = dataOf(await tessera.gql(CreatePatDocument, { input: { name: 'monthly', duration: 'DAYS_30' } }, member.secret)).createPersonalAccessToken
      .token;
    const all = dataOf(await tessera.gql(TenantPatsDocument, { first: 100 })).tenantPersonalAccessTokens;
    const listed = all.edges.map((edge) => edge.node);
    expect(listed.find((node) => node.id === month.id)).toMatchObject({
      duration: 'DAYS_30',
      scopes: [],
      owner: { id: member.id, name: 'Mia Member' },
      createdBy: { id: member.id, name: 'Mia Member' },
    });
    // The member's first token was made by the administrator who created them (seed 001: "Created by").
    const viewer = dataOf(await tessera.gql(ViewerDocument, {})).viewer;
    const first = listed.find((node) => node.owner?.id === member.id && node.name === 'First token');
    expect(first).toMatchObject({ duration: 'DAYS_7', createdBy: { id: viewer.id } });
    // The bootstrap token has no end.
    expect(listed.find((node) => node.owner?.id === viewer.id && node.expiresAt === null)?.duration).toBe('NEVER');

    const mine = dataOf(await tessera.gql(TenantPatsDocument, { first: 100, filter: { owner: member.id } })).tenantPersonalAccessTokens;
    expect(mine.edges.every((edge) => edge.node.owner?.id === member.id)).toBe(true);
    const soon = dataOf(
      await tessera.gql(TenantPatsDocument, {
        first: 100,
        filter: { owner: member.id, expiresBefore: new Date(tessera.clock.now().getTime() + 8 * DAY).toISOString() },
      }),
    ).tenantPersonalAccessTokens;
    expect(soon.edges.length).toBeGreaterThan(0);
    expect(soon.edges.every((edge) => new Date(String(edge.node.expiresAt)).getTime() < tessera.clock.now().getTime() + 8 * DAY)).toBe(true);
    expect(soon.edges.map((edge) => edge.node.id)).not.toContain(month.id);
    // Administrators may name a person in the ordinary list too; nobody else may.
    expect(dataOf(await tessera.gql(OwnPatsDocument, { filter: { owner: member.id } })).personalAccessTokens.totalCount).toBe(mine.totalCount);
    expect(errorCodeOf(await tessera.gql(OwnPatsDocument, { filter: { owner: viewer.id } }, member.secret))).toBe('FORBIDDEN');
    expect(errorCodeOf(await tessera.gql(TenantPatsDocument, { first: 5 }, member.secret))).toBe('FORBIDDEN');

    // An administrator revokes any of them.
    dataOf(await tessera.gql(RevokePatDocument, { id: month.id }));
    const revoked = dataOf(await tessera.gql(TenantPatsDocument, { first: 100, filter: { owner: member.id, status: 'REVOKED' } })).tenantPersonalAccessTokens;
    expect(revoked.edges.map((edge) => edge.node.id)).toContain(month.id);
  });

  it('should delete a working token only with revokeFirst, which stops it at once', async () => {
    const { token, secret } = dataOf(await tessera.gql(CreatePatDocument, { input: { name: 'to go' } }, member.secret)).createPersonalAccessToken;
    dataOf(await tessera.gql(ViewerDocument, {}, secret)); // cached as valid
    const guarded = await tessera.gql(DeletePatDocument, { id: token.id });
    expect(errorCodeOf(guarded)).toBe('CONFLICT');
    expect(dataOf(await tessera.gql(ViewerDocument, {}, secret)).viewer.tokenId).toBe(token.id);
    const deleted = dataOf(await tessera.gql(DeletePatDocument, { id: token.id, revokeFirst: true })).deletePersonalAccessToken;
    expect(deleted.id).toBe(token.id);
    expect(errorCodeOf(await tessera.gql(ViewerDocument, {}, secret))).toBe('UNAUTHENTICATED');
    expect(dataOf(await tessera.gql(OwnPatsDocument, {}, member.secret)).personalAccessTokens.edges.map((edge) => edge.node.id)).not.toContain(token.id);
  });
});
