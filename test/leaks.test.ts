import {
  CreateAppDocument,
  RotateAppSecretDocument,
  CreatePatDocument,
  CreateUserDocument,
  OnRevocationNoticesDocument,
  ReportLeakDocument,
  TokenEventsHistoryDocument,
  ViewerDocument,
} from './generated/graphql';
import { TokenRecord } from '../src/core/tokens/token.entity';
import { BACKENDS, dataOf, errorCodeOf, eventually, startTessera, type TestInstance } from './harness/tessera';

async function postLeaks(instance: TestInstance, body: unknown) {
  const response = await fetch(`${instance.url}/v1/leaks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as unknown };
}

describe.each(BACKENDS)('leaked tokens on %s', (backend) => {
  let tessera: TestInstance;

  beforeAll(async () => {
    tessera = await startTessera({ backend });
  });

  afterAll(async () => {
    await tessera.close();
  });

  const newUser = async () =>
    dataOf(await tessera.gql(CreateUserDocument, { input: { email: `u${Math.random().toString(36).slice(2)}@example.com`, name: 'Owner', role: 'DEVELOPER' } }))
      .createUser;

  it('should revoke a reported token at once and tell its owner with reason LEAKED', async () => {
    const owner = await newUser();
    const { token, secret } = dataOf(await tessera.gql(CreatePatDocument, { input: { name: 'pasted in a gist' } }, owner.secret)).createPersonalAccessToken;
    const history = dataOf(await tessera.gql(TokenEventsHistoryDocument, { first: 100 }, owner.secret)).tokenEvents;
    const after = history.edges[history.edges.length - 1]?.cursor;
    const ownerFeed = tessera.ws(owner.secret).subscribe(OnRevocationNoticesDocument, { after, filter: { tokenIds: [token.id] } });

    const found = await postLeaks(tessera, [{ token: secret, type: 'tessera_pat', url: 'https://gist.example/abc' }]);
    expect(found).toEqual({ status: 200, body: [{ token_start: secret.slice(0, 8), recognised: true, revoked: true, already_inactive: false }] });
    expect(errorCodeOf(await tessera.gql(ViewerDocument, {}, secret))).toBe('UNAUTHENTICATED');
    const notice = (await ownerFeed.value()).revocationNotices;
    expect(notice).toMatchObject({ type: 'REVOKED', reason: 'LEAKED', token: { tokenId: token.id }, actor: { type: 'system' } });
    expect(JSON.stringify(notice)).not.toContain(secret);
    ownerFeed.unsubscribe();

    const again = await postLeaks(tessera, { token: secret });
    expect(again.body).toEqual([{ token_start: secret.slice(0, 8), recognised: true, revoked: false, already_inactive: true }]);
  });

  it('should not stamp a reported value as used (a report is not a use)', async () => {
    const owner = await newUser();
    const created = (name: string) => tessera.gql(CreatePatDocument, { input: { name } }, owner.secret);
    const leaked = dataOf(await created('never used')).createPersonalAccessToken;
    const control = dataOf(await created('used')).createPersonalAccessToken;
    const lastUsedAt = async (id: string) => (await tessera.server.orm.em.fork().findOneOrFail(TokenRecord, { id })).lastUsedAt ?? null;
    expect((await postLeaks(tessera, { token: leaked.secret })).body).toEqual([expect.objectContaining({ recognised: true, revoked: true })]);
    // A real use after the report: once its stamp is written, the report's would be too.
    dataOf(await tessera.gql(ViewerDocument, {}, control.secret));
    await eventually(async () => ((await lastUsedAt(control.token.id)) ? true : undefined), 5000, 'the control stamp');
    expect(await lastUsedAt(leaked.token.id)).toBeNull();
  });

  it('should answer unknown values without revealing anything', async () => {
    const answer = await postLeaks(tessera, [{ token: 'tsp_' + 'Q'.repeat(46) }, { token: 'hello-world-not-a-token' }]);
    expect(answer.body).toEqual([
      { token_start: 'tsp_QQQQ', recognised: false, revoked: false, already_inactive: false },
      { token_start: 'hello-wo', recognised: false, revoked: false, already_inactive: false },
    ]);
  });

  it('should refuse malformed reports with a clear code', async () => {
    expect(await postLeaks(tessera, [])).toMatchObject({ status: 400, body: { error: { code: 'BAD_USER_INPUT' } } });
    expect(await postLeaks(tessera, [{ nope: 1 }])).toMatchObject({ status: 400, body: { error: { code: 'BAD_USER_INPUT', field: '[0].token' } } });
  });

  it('should let a signed-in user report a token, with details only for their own tenant', async () => {
    const mine = dataOf(await tessera.gql(CreatePatDocument, { input: { name: 'mine' } })).createPersonalAccessToken;
    const report = dataOf(await tessera.gql(ReportLeakDocument, { token: mine.secret, source: 'chat log' })).reportLeakedToken;
    expect(report).toEqual({
      start: mine.secret.slice(0, 8),
      recognised: true,
      revoked: true,
      alreadyInactive: false,
      tokenId: mine.token.id,
      kind: 'PERSONAL_ACCESS',
    });

    const other = await tessera.server.services.users.createTenantWithAdmin({
      tenantName: 'Elsewhere',
      adminEmail: `x${Date.now()}@else.example`,
      adminName: 'Else',
    });
    const theirs = dataOf(await tessera.gql(CreatePatDocument, { input: { name: 'theirs' } }, other.secret)).createPersonalAccessToken;
    const crossTenant = dataOf(await tessera.gql(ReportLeakDocument, { token: theirs.secret })).reportLeakedToken;
    expect(crossTenant).toMatchObject({ recognised: true, revoked: true, tokenId: null, kind: null });
    expect(errorCodeOf(await tessera.gql(ViewerDocument, {}, theirs.secret))).toBe('UNAUTHENTICATED');
  });

  describe('a replaced client secret', () => {
    /** Whether the client id and secret get an access token at POST /oauth/token. */
    async function grants(clientId: string, secret: string): Promise<boolean> {
      const response = await fetch(`${tessera.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret }),
      });
      return response.status === 200 && typeof ((await response.json()) as { access_token?: unknown }).access_token === 'string';
    }

    async function rotatedApp(graceSeconds: number) {
      const { app, secret: old } = dataOf(await tessera.gql(CreateAppDocument, { input: { name: `leaky ${Math.random().toString(36).slice(2)}` } })).createApp;
      const { secret: current } = dataOf(await tessera.gql(RotateAppSecretDocument, { id: app.id, graceSeconds })).rotateAppSecret;
      return { clientId: app.clientId, old, current };
    }

    it('should end only the reported value while it is in its grace, never the current secret', async () => {
      const { clientId, old, current } = await rotatedApp(3600);
      expect(await grants(clientId, old)).toBe(true);
      const found = await postLeaks(tessera, { token: old, url: 'https://paste.example/old' });
      expect(found.body).toEqual([{ token_start: old.slice(0, 8), recognised: true, revoked: true, already_inactive: false }]);
      expect(await grants(clientId, old)).toBe(false);
      expect(await grants(clientId, current)).toBe(true);
      const again = await postLeaks(tessera, { token: old });
      expect(again.body).toEqual([{ token_start: old.slice(0, 8), recognised: true, revoked: false, already_inactive: true }]);
      expect(await grants(clientId, current)).toBe(true);
    });

    it('should leave the current secret alone when the reported value is past its grace', async () => {
      const { clientId, old, current } = await rotatedApp(60);
      tessera.clock.advance(61_000);
      expect(await grants(clientId, old)).toBe(false);
      const found = await postLeaks(tessera, { token: old });
      expect(found.body).toEqual([{ token_start: old.slice(0, 8), recognised: true, revoked: false, already_inactive: true }]);
      expect(await grants(clientId, current)).toBe(true);
    });

    it('should still revoke the whole app secret when its current value is reported', async () => {
      const { clientId, old, current } = await rotatedApp(3600);
      const found = await postLeaks(tessera, { token: current });
      expect(found.body).toEqual([{ token_start: current.slice(0, 8), recognised: true, revoked: true, already_inactive: false }]);
      expect(await grants(clientId, current)).toBe(false);
      expect(await grants(clientId, old)).toBe(false);
    });
  });
});
