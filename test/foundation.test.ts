import { randomBytes } from 'node:crypto';
import { CreatePatDocument, CreateUserDocument, PatsDocument, RevokePatDocument, ViewerDocument } from './generated/graphql';
import { BACKENDS, dataOf, errorCodeOf, newDatabaseUrl, startTessera, type TestInstance } from './harness/tessera';

describe.each(BACKENDS)('the foundation on %s', (backend) => {
  let tessera: TestInstance;

  beforeAll(async () => {
    tessera = await startTessera({ backend });
  });

  afterAll(async () => {
    await tessera.close();
  });

  it('should answer the viewer with the bootstrap administrator token', async () => {
    const viewer = dataOf(await tessera.gql(ViewerDocument)).viewer;
    expect(viewer).toMatchObject({ type: 'user', role: 'ADMIN', email: 'admin@localhost' });
    expect(viewer.tenant.maxTokenLifetimeDays).toBe(366);
  });

  it('should answer UNAUTHENTICATED without a token, with an unknown one and with a malformed one', async () => {
    expect(errorCodeOf(await tessera.gql(ViewerDocument, {}, null))).toBe('UNAUTHENTICATED');
    expect(errorCodeOf(await tessera.gql(ViewerDocument, {}, 'x'.repeat(40)))).toBe('UNAUTHENTICATED');
    expect(errorCodeOf(await tessera.gql(ViewerDocument, {}, 'tsp_' + 'A'.repeat(46)))).toBe('UNAUTHENTICATED');
  });

  it('should reject a value with a bad checksum before any database lookup', async () => {
    const queries: string[] = [];
    const counted = await startTessera({ backend: 'sqlite', onQuery: (sql) => queries.push(sql) });
    try {
      const { secret } = dataOf(await counted.gql(CreatePatDocument, { input: { name: 'x' } })).createPersonalAccessToken;
      const tampered = secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A');
      queries.length = 0;
      const result = await counted.server.services.verifier.verify(tampered);
      expect(result).toMatchObject({ valid: false, reason: 'MALFORMED' });
      expect(queries).toHaveLength(0);
      await counted.server.services.verifier.verify('tsp_' + 'A'.repeat(46));
      expect(queries).toHaveLength(0);
    } finally {
      await counted.close();
    }
  });

  it('should let only administrators create users, and refuse a taken email with CONFLICT', async () => {
    const email = `dev-${Date.now()}@example.com`;
    const created = dataOf(await tessera.gql(CreateUserDocument, { input: { email, name: 'Dev', role: 'DEVELOPER' } })).createUser;
    expect(created.secret).toMatch(/^tsp_/);
    expect(created.user).toMatchObject({ email, role: 'DEVELOPER' });
    const asDeveloper = await tessera.gql(CreateUserDocument, { input: { email: 'other@example.com', name: 'Other', role: 'ADMIN' } }, created.secret);
    expect(errorCodeOf(asDeveloper)).toBe('FORBIDDEN');
    expect(errorCodeOf(await tessera.gql(CreateUserDocument, { input: { email: email.toUpperCase(), name: 'Dup', role: 'MEMBER' } }))).toBe('CONFLICT');
    expect(errorCodeOf(await tessera.gql(CreateUserDocument, { input: { email: 'not-an-email', name: 'X', role: 'MEMBER' } }))).toBe('BAD_USER_INPUT');
  });

  it("should show a second tenant's administrator nothing of the first", async () => {
    const { token } = dataOf(await tessera.gql(CreatePatDocument, { input: { name: 'first tenant' } })).createPersonalAccessToken;
    const other = await tessera.server.services.users.createTenantWithAdmin({
      tenantName: 'Second',
      adminEmail: 'admin@second.example',
      adminName: 'Second admin',
    });
    const theirs = dataOf(await tessera.gql(PatsDocument, { first: 100 }, other.secret)).personalAccessTokens;
    expect(theirs.edges.map((edge) => edge.node.id)).not.toContain(token.id);
    expect(errorCodeOf(await tessera.gql(RevokePatDocument, { id: token.id }, other.secret))).toBe('NOT_FOUND');
    const viewer = dataOf(await tessera.gql(ViewerDocument, {}, other.secret)).viewer;
    expect(viewer.tenant.id).toBe(other.tenant.id);
    const log = await tessera.raw({ query: '{ auditLog(first: 100) { edges { node { targetId } } } }' }, { authorization: `Bearer ${other.secret}` });
    expect(JSON.stringify(log.body)).not.toContain(token.id);
  });

  it('should answer malformed GraphQL and malformed JSON with BAD_USER_INPUT, never a stack', async () => {
    const unknownField = await tessera.raw({ query: '{ nope }' });
    expect(unknownField.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const syntax = await tessera.raw({ query: '{ viewer { ' });
    expect(syntax.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const json = await tessera.raw('{"query": ');
    expect(json.status).toBe(400);
    expect(JSON.stringify(json.body)).not.toMatch(/at .*\.js:\d+/);
  });

  it('should answer /healthz and /readyz', async () => {
    const health = await fetch(`${tessera.url}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${tessera.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', database: 'up' });
    const metrics = await (await fetch(`${tessera.url}/metrics`)).text();
    expect(metrics).toContain('tessera_http_requests_total');
  });
});

describe('the first start', () => {
  it('should create a tenant and an administrator on an empty database and print the token once', async () => {
    const databaseUrl = await newDatabaseUrl('sqlite');
    const key = randomBytes(32).toString('hex');
    const env = { TESSERA_BOOTSTRAP_ADMIN_TOKEN: '' };
    const first = await startTessera({ backend: 'sqlite', databaseUrl, secretKey: key, env });
    let printedToken: string;
    try {
      // The token, and a line to paste into a shell (README's commands use $ADMIN_TOKEN).
      expect(first.printed).toHaveLength(2);
      const match = /^admin token: (tsp_\S+)$/.exec(first.printed[0]);
      expect(match).not.toBeNull();
      printedToken = match![1];
      expect(first.printed[1]).toBe(`export ADMIN_TOKEN=${printedToken}`);
      expect(dataOf(await first.gql(ViewerDocument, {}, printedToken)).viewer.role).toBe('ADMIN');
      expect(first.logs.join('\n')).not.toContain(printedToken);
    } finally {
      await first.close();
    }
    const second = await startTessera({ backend: 'sqlite', databaseUrl, secretKey: key, env });
    try {
      expect(second.printed).toHaveLength(0);
      expect(dataOf(await second.gql(ViewerDocument, {}, printedToken)).viewer.role).toBe('ADMIN');
    } finally {
      await second.close();
    }
  });

  it('should make an operator-chosen bootstrap token work, idempotently across restarts', async () => {
    const databaseUrl = await newDatabaseUrl('postgres');
    const key = randomBytes(32).toString('hex');
    const chosen = `operator-chosen-${randomBytes(16).toString('hex')}`;
    for (let start = 0; start < 2; start += 1) {
      const instance = await startTessera({ backend: 'postgres', databaseUrl, secretKey: key, bootstrapToken: chosen });
      try {
        expect(dataOf(await instance.gql(ViewerDocument, {}, chosen)).viewer.role).toBe('ADMIN');
        expect(instance.printed.join('\n')).not.toContain(chosen);
        const tokens = dataOf(await instance.gql(PatsDocument, { first: 100 }, chosen)).personalAccessTokens;
        expect(tokens.totalCount).toBe(1);
      } finally {
        await instance.close();
      }
    }
  });
});
