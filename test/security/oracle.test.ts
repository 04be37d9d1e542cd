import { randomBytes } from 'node:crypto';
import { generateToken } from '../../src/core/secrets';
import { TokenRecord } from '../../src/core/tokens/token.entity';
import { CreateAppDocument, CreatePatDocument, VerifyTokenDocument } from '../generated/graphql';
import { BACKENDS, dataOf, eventually, startTessera, type TestInstance } from '../harness/tessera';

/** A documentation-range address, named in X-Forwarded-For only (never contacted). */
function someAddress(): string {
  const bytes = randomBytes(2);
  return `203.0.${bytes[0]}.${bytes[1]}`;
}

describe.each(BACKENDS)('answers that tell nothing across tenants, and failure budgets on /oauth/* (%s)', (backend) => {
  let tessera: TestInstance;
  /** A valid PAT of another tenant, and a PAT of this tenant (a control for lastUsedAt flushes). */
  let foreign: { id: string; secret: string };
  let own: { id: string; secret: string };
  let app: { clientId: string; secret: string };

  beforeAll(async () => {
    tessera = await startTessera({ backend, env: { TESSERA_TRUST_PROXY: 'loopback', TESSERA_RATE_AUTH_FAILURES_PER_MINUTE: '3' } });
    const other = await tessera.server.services.users.createTenantWithAdmin({ tenantName: 'Other', adminEmail: 'oracle@other.example', adminName: 'Other' });
    const created = (token: string) => tessera.gql(CreatePatDocument, { input: { name: `pat ${Math.random().toString(36).slice(2)}` } }, token);
    const foreignPat = dataOf(await created(other.secret)).createPersonalAccessToken;
    foreign = { id: foreignPat.token.id, secret: foreignPat.secret };
    const ownPat = dataOf(await created(tessera.adminToken)).createPersonalAccessToken;
    own = { id: ownPat.token.id, secret: ownPat.secret };
    const createdApp = dataOf(await tessera.gql(CreateAppDocument, { input: { name: 'oracle app' } })).createApp;
    app = { clientId: createdApp.app.clientId, secret: createdApp.secret };
  });

  afterAll(async () => {
    await tessera?.close();
  });

  const lastUsedAt = async (id: string) => (await tessera.server.orm.em.fork().findOneOrFail(TokenRecord, { id })).lastUsedAt ?? null;
  /** Waits until a flush stamped `own` (used after the probe): the probe's stamp, if any, is written by then too. */
  const afterFlush = async () => eventually(async () => ((await lastUsedAt(own.id)) ? true : undefined), 5000, 'the control stamp');

  it("should answer another tenant's value exactly like an unknown one, and leave its lastUsedAt alone (verifyToken, /v1/verify)", async () => {
    const unknown = generateToken(foreign.secret.slice(0, foreign.secret.indexOf('_'))).value;
    const viaGraphql = async (token: string) => dataOf(await tessera.gql(VerifyTokenDocument, { token })).verifyToken;
    const viaRest = async (token: string) =>
      (await fetch(`${tessera.url}/v1/verify`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${tessera.adminToken}` }, body: JSON.stringify({ token }) })).json();
    expect(await viaGraphql(foreign.secret)).toEqual(await viaGraphql(unknown));
    expect(await viaGraphql(foreign.secret)).toMatchObject({ valid: false, reason: 'UNKNOWN', tokenId: null });
    expect(await viaRest(foreign.secret)).toEqual(await viaRest(unknown));
    expect((await viaGraphql(own.secret)).valid).toBe(true);
    await afterFlush();
    expect(await lastUsedAt(foreign.id)).toBeNull();
  });

  const oauth = (path: string, form: Record<string, string>, address: string, basic?: { id: string; secret: string }) =>
    fetch(`${tessera.url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-forwarded-for': address,
        ...(basic ? { authorization: `Basic ${Buffer.from(`${basic.id}:${basic.secret}`).toString('base64')}` } : {}),
      },
      body: new URLSearchParams(form).toString(),
    });

  it("should introspect another tenant's token as inactive, exactly like an unknown one, without stamping it", async () => {
    const client = { id: app.clientId, secret: app.secret };
    const address = someAddress();
    const foreignAnswer = await oauth('/oauth/introspect', { token: foreign.secret }, address, client);
    const unknownAnswer = await oauth('/oauth/introspect', { token: generateToken(foreign.secret.slice(0, foreign.secret.indexOf('_'))).value }, address, client);
    expect(foreignAnswer.status).toBe(unknownAnswer.status);
    expect(await foreignAnswer.json()).toEqual(await unknownAnswer.json());
    await tessera.gql(VerifyTokenDocument, { token: own.secret });
    await afterFlush();
    expect(await lastUsedAt(foreign.id)).toBeNull();
  });

  it.each(['/oauth/token', '/oauth/introspect', '/oauth/revoke'])('should count failed client authentications at %s per address, and never refuse valid credentials', async (path) => {
    const address = someAddress();
    const form: Record<string, string> = path === '/oauth/token' ? { grant_type: 'client_credentials' } : { token: 'tsp_' + 'S'.repeat(46) };
    const wrong = { id: app.clientId, secret: 'tas_' + 'W'.repeat(46) };
    for (let i = 0; i < 3; i += 1) expect((await oauth(path, form, address, wrong)).status).toBe(401);
    const limited = await oauth(path, form, address, wrong);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.json()).toMatchObject({ error: 'invalid_client' });
    // A neighbour's guesses do not lock out the real client, nor another address.
    expect((await oauth(path, form, address, { id: app.clientId, secret: app.secret })).status).toBe(200);
    expect((await oauth(path, form, someAddress(), wrong)).status).toBe(401);
  });
});
