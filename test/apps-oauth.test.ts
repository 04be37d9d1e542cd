import { ClientCredentials } from 'simple-oauth2';
import {
  ActivateAppDocument,
  AppByIdDocument,
  CreateAppDocument,
  CreatePatDocument,
  DeleteAppDocument,
  DisableAppDocument,
  OnTokenEventsDocument,
  RotateAppSecretDocument,
  TokenEventsHistoryDocument,
  ViewerDocument,
} from './generated/graphql';
import { BACKENDS, dataOf, errorCodeOf, eventually, startTessera, type TestInstance } from './harness/tessera';

interface TestApp {
  id: string;
  clientId: string;
  secret: string;
}

describe.each(BACKENDS)('OAuth 2.0 client credentials on %s', (backend) => {
  let tessera: TestInstance;

  beforeAll(async () => {
    tessera = await startTessera({ backend });
  });

  afterAll(async () => {
    await tessera.close();
  });

  async function newApp(input: { accessTokenLifetimeSeconds?: number } = {}): Promise<TestApp> {
    const { app, secret } = dataOf(await tessera.gql(CreateAppDocument, { input: { name: `app ${Math.random().toString(36).slice(2)}`, ...input } })).createApp;
    return { id: app.id, clientId: app.clientId, secret };
  }

  /** A real OAuth client library, authenticating by HTTP Basic (`header`) or in the form (`body`). */
  function oauthClient(app: { clientId: string; secret: string }, authorizationMethod: 'header' | 'body' = 'header') {
    return new ClientCredentials({
      client: { id: app.clientId, secret: app.secret },
      auth: { tokenHost: tessera.url, tokenPath: '/oauth/token', revokePath: '/oauth/revoke' },
      options: { authorizationMethod },
    });
  }

  async function accessTokenOf(app: TestApp): Promise<string> {
    const token = await oauthClient(app).getToken({});
    return token.token.access_token as string;
  }

  it('should not warn about nor announce the end of hour-long access tokens, unlike longer-lived tokens', async () => {
    const before = dataOf(await tessera.gql(TokenEventsHistoryDocument, { first: 100, filter: { kinds: ['APP_ACCESS'], types: ['CREATED'] } })).tokenEvents
      .totalCount;
    await accessTokenOf(await newApp());
    const created = dataOf(await tessera.gql(TokenEventsHistoryDocument, { first: 100, filter: { kinds: ['APP_ACCESS'], types: ['CREATED'] } })).tokenEvents;
    expect(created.totalCount).toBe(before + 1);
    const accessTokenId = created.edges[created.edges.length - 1].node.token.tokenId;
    // An hour-long token lives inside the 30-day warning window: it reads ACTIVE, not EXPIRING.
    expect(created.edges[created.edges.length - 1].node.token.status).toBe('ACTIVE');
    const pat = dataOf(await tessera.gql(CreatePatDocument, { input: { name: 'short pat', duration: 'DAYS_7' } })).createPersonalAccessToken.token;
    tessera.clock.advance(8 * 24 * 3600 * 1000);
    try {
      await tessera.server.sweep.run();
      const ends = dataOf(
        await tessera.gql(TokenEventsHistoryDocument, { first: 100, filter: { tokenIds: [accessTokenId, pat.id], types: ['EXPIRING_SOON', 'EXPIRED'] } }),
      ).tokenEvents;
      expect(ends.edges.map((edge) => [edge.node.token.tokenId, edge.node.type])).toEqual([[pat.id, 'EXPIRED']]);
    } finally {
      tessera.clock.advance(-8 * 24 * 3600 * 1000);
    }
  });

  /** A hand-built form POST, for what a client library would never send. */
  async function post(path: string, form: Record<string, string | string[]>, headers: Record<string, string> = {}) {
    const body = new URLSearchParams();
    for (const [key, value] of Object.entries(form)) for (const one of [value].flat()) body.append(key, one);
    const response = await fetch(`${tessera.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body,
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : null };
  }

  function basic(app: { clientId: string; secret: string }): Record<string, string> {
    return { authorization: `Basic ${Buffer.from(`${encodeURIComponent(app.clientId)}:${encodeURIComponent(app.secret)}`).toString('base64')}` };
  }

  describe('the token endpoint (RFC 6749 §4.4)', () => {
    it.each(['header', 'body'] as const)(
      'should issue a bearer access token to a client authenticating by %s, which acts as the app on the API',
      async (method) => {
        const app = await newApp();
        const token = await oauthClient(app, method).getToken({ scope: 'api' });
        expect(token.token).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'api' });
        expect(token.token.access_token).toMatch(/^tsa_[0-9A-Za-z]{46}$/);
        const viewer = dataOf(await tessera.gql(ViewerDocument, {}, token.token.access_token as string)).viewer;
        expect(viewer).toMatchObject({ type: 'app', id: app.id, role: 'AUTOMATION_ADMIN', email: null });
        expect(tessera.logs.join('\n')).not.toContain(token.token.access_token as string);
      },
    );

    it('should answer with no-store caching headers and the default scope when none is asked for', async () => {
      const app = await newApp();
      const response = await post('/oauth/token', { grant_type: 'client_credentials' }, basic(app));
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('pragma')).toBe('no-cache');
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(response.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'api' });
    });

    it("should give tokens the app's own lifetime, after which they fail", async () => {
      const app = await newApp({ accessTokenLifetimeSeconds: 120 });
      const token = await oauthClient(app).getToken({});
      expect(token.token.expires_in).toBe(120);
      const value = token.token.access_token as string;
      dataOf(await tessera.gql(ViewerDocument, {}, value));
      tessera.clock.advance(121_000);
      try {
        expect(errorCodeOf(await tessera.gql(ViewerDocument, {}, value))).toBe('UNAUTHENTICATED');
        expect((await post('/oauth/introspect', { token: value }, basic(app))).body).toEqual({ active: false });
      } finally {
        tessera.clock.advance(-121_000);
      }
    });

    it('should record when the app was last used', async () => {
      const app = await newApp();
      dataOf(await tessera.gql(ViewerDocument, {}, await accessTokenOf(app)));
      const used = await eventually(
        async () => dataOf(await tessera.gql(AppByIdDocument, { id: app.id })).app.lastUsedAt ?? undefined,
        5000,
        'lastUsedAt written',
      );
      expect(new Date(used).getTime()).not.toBeNaN();
    });

    it('should let the client library see a wrong secret as a 401', async () => {
      const app = await newApp();
      const error = await oauthClient({ clientId: app.clientId, secret: (await newApp()).secret })
        .getToken({})
        .then(
          () => null,
          (failure: { output?: { statusCode: number }; data?: { payload?: unknown } }) => failure,
        );
      expect(error?.output?.statusCode).toBe(401);
      expect(error?.data?.payload).toMatchObject({ error: 'invalid_client' });
    });

    describe('error responses (RFC 6749 §5.2)', () => {
      let app: TestApp;

      beforeAll(async () => {
        app = await newApp();
      });

      const cases: [string, () => [Record<string, string | string[]>, Record<string, string>], number, string][] = [
        [
          'a wrong secret',
          () => [
            { grant_type: 'client_credentials' },
            basic({ clientId: app.clientId, secret: app.secret.slice(0, -1) + (app.secret.endsWith('A') ? 'B' : 'A') }),
          ],
          401,
          'invalid_client',
        ],
        ['an unknown client id', () => [{ grant_type: 'client_credentials', client_id: 'tca_unknown', client_secret: app.secret }, {}], 401, 'invalid_client'],
        ['no client authentication', () => [{ grant_type: 'client_credentials' }, {}], 401, 'invalid_client'],
        ['a client id without a secret', () => [{ grant_type: 'client_credentials', client_id: app.clientId }, {}], 401, 'invalid_client'],
        [
          'Basic credentials without a colon',
          () => [{ grant_type: 'client_credentials' }, { authorization: `Basic ${Buffer.from(app.clientId).toString('base64')}` }],
          401,
          'invalid_client',
        ],
        ['no grant type', () => [{}, basic(app)], 400, 'invalid_request'],
        ['a repeated parameter', () => [{ grant_type: ['client_credentials', 'client_credentials'] }, basic(app)], 400, 'invalid_request'],
        [
          'two client authentication methods',
          () => [{ grant_type: 'client_credentials', client_id: app.clientId, client_secret: app.secret }, basic(app)],
          400,
          'invalid_request',
        ],
        ['the password grant', () => [{ grant_type: 'password', username: 'u', password: 'p' }, basic(app)], 400, 'unsupported_grant_type'],
        ['the authorization code grant', () => [{ grant_type: 'authorization_code', code: 'x' }, basic(app)], 400, 'unsupported_grant_type'],
        ['an unknown scope', () => [{ grant_type: 'client_credentials', scope: 'api admin' }, basic(app)], 400, 'invalid_scope'],
        ['an oversized body', () => [{ grant_type: 'client_credentials', padding: 'x'.repeat(20_000) }, basic(app)], 400, 'invalid_request'],
        ['a malformed scope', () => [{ grant_type: 'client_credentials', scope: 'api  "x"' }, basic(app)], 400, 'invalid_scope'],
      ];

      it.each(cases)('should refuse %s', async (_what, build, status, error) => {
        const [form, headers] = build();
        const response = await post('/oauth/token', form, headers);
        expect(response.status).toBe(status);
        expect(response.body).toMatchObject({ error });
        expect(typeof response.body?.error_description).toBe('string');
        expect(response.headers.get('cache-control')).toBe('no-store');
        expect(response.headers.get('pragma')).toBe('no-cache');
        if (status === 401) expect(response.headers.get('www-authenticate')).toMatch(/^Basic /);
        expect(JSON.stringify(response.body)).not.toContain(app.secret);
      });

      it('should refuse a body that is not a form', async () => {
        const response = await fetch(`${tessera.url}/oauth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...basic(app) },
          body: JSON.stringify({ grant_type: 'client_credentials' }),
        });
        expect(response.status).toBe(400);
        expect(await response.json()).toMatchObject({ error: 'invalid_request' });
        expect(response.headers.get('cache-control')).toBe('no-store');
      });
    });
  });

  describe('disabling, activating and deleting an app', () => {
    it('should cut access at once, refuse new tokens, and restore both on activation', async () => {
      const app = await newApp();
      const value = await accessTokenOf(app);
      dataOf(await tessera.gql(ViewerDocument, {}, value));
      dataOf(await tessera.gql(DisableAppDocument, { id: app.id }));
      expect(errorCodeOf(await tessera.gql(ViewerDocument, {}, value))).toBe('UNAUTHENTICATED');
      expect((await post('/oauth/token', { grant_type: 'client_credentials' }, basic(app))).body).toMatchObject({ error: 'invalid_client' });
      expect((await post('/oauth/introspect', { token: value }, basic(await newApp()))).body).toEqual({ active: false });

      dataOf(await tessera.gql(ActivateAppDocument, { id: app.id }));
      expect(dataOf(await tessera.gql(ViewerDocument, {}, value)).viewer.id).toBe(app.id);
      expect(await accessTokenOf(app)).toMatch(/^tsa_/);
    });

    it('should make every token of a deleted app unknown and its credentials useless', async () => {
      const app = await newApp();
      const value = await accessTokenOf(app);
      dataOf(await tessera.gql(DeleteAppDocument, { id: app.id }));
      expect(errorCodeOf(await tessera.gql(ViewerDocument, {}, value))).toBe('UNAUTHENTICATED');
      expect((await post('/oauth/token', { grant_type: 'client_credentials' }, basic(app))).status).toBe(401);
      const events = dataOf(await tessera.gql(TokenEventsHistoryDocument, { first: 100, filter: { appIds: [app.id], types: ['DELETED'] } })).tokenEvents.edges;
      expect(events.map((edge) => edge.node.token.kind).sort()).toEqual(['APP_ACCESS', 'APP_SECRET']);
    });

    it.each([
      ['disabled', DisableAppDocument],
      ['deleted', DeleteAppDocument],
    ] as const)('should close a subscription opened with an app access token when the app is %s', async (_what, document) => {
      const app = await newApp();
      const value = await accessTokenOf(app);
      // The app's own CREATED events are history: replaying one proves the subscription is live.
      const history = dataOf(await tessera.gql(TokenEventsHistoryDocument, { first: 100, filter: { appIds: [app.id] } })).tokenEvents.edges;
      const socket = tessera.ws(value);
      const subscription = socket.subscribe(OnTokenEventsDocument, {
        filter: { appIds: [app.id] },
        after: String(Number(history[history.length - 1].cursor) - 1),
      });
      expect((await subscription.value()).tokenEvents.token.subjectId).toBe(app.id);
      dataOf(await tessera.gql(document as typeof DisableAppDocument, { id: app.id }));
      expect((await socket.closed()).code).toBe(4401);
    });
  });

  // Two instances share a database only on PostgreSQL (with Redis between them).
  const onPostgres = backend === 'postgres' ? it : () => undefined;
  onPostgres('should cut an app token on another instance, closing its subscription there too', async () => {
    const other = await startTessera({
      backend,
      databaseUrl: tessera.databaseUrl,
      secretKey: tessera.secretKey,
      bootstrapToken: tessera.adminToken,
      clock: tessera.clock,
    });
    try {
      const app = await newApp();
      const value = await accessTokenOf(app);
      // Instance B caches the token's verification, then holds a socket opened with it.
      expect(dataOf(await other.gql(ViewerDocument, {}, value)).viewer.id).toBe(app.id);
      const socket = other.ws(value);
      const history = dataOf(await other.gql(TokenEventsHistoryDocument, { first: 100, filter: { appIds: [app.id] } })).tokenEvents.edges;
      const subscription = socket.subscribe(OnTokenEventsDocument, {
        filter: { appIds: [app.id] },
        after: String(Number(history[history.length - 1].cursor) - 1),
      });
      await subscription.value();
      dataOf(await tessera.gql(DisableAppDocument, { id: app.id }));
      expect((await socket.closed()).code).toBe(4401);
      expect(errorCodeOf(await other.gql(ViewerDocument, {}, value))).toBe('UNAUTHENTICATED');
    } finally {
      await other.close();
    }
  });

  describe('secret rotation', () => {
    it('should let both secrets authenticate during the grace, then only the new one', async () => {
      const app = await newApp();
      const rotated = dataOf(await tessera.gql(RotateAppSecretDocument, { id: app.id, graceSeconds: 3600 })).rotateAppSecret;
      expect(new Date(rotated.previousSecretValidUntil as string).getTime()).toBe(tessera.clock.now().getTime() + 3600_000);
      const fresh = { clientId: app.clientId, secret: rotated.secret };
      expect(await accessTokenOf(app)).toMatch(/^tsa_/);
      expect(await accessTokenOf({ ...fresh, id: app.id })).toMatch(/^tsa_/);
      tessera.clock.advance(3601_000);
      try {
        expect((await post('/oauth/token', { grant_type: 'client_credentials' }, basic(app))).status).toBe(401);
        expect((await post('/oauth/token', { grant_type: 'client_credentials' }, basic(fresh))).status).toBe(200);
      } finally {
        tessera.clock.advance(-3601_000);
      }
    });

    it('should stop the old secret at once without a grace', async () => {
      const app = await newApp();
      const rotated = dataOf(await tessera.gql(RotateAppSecretDocument, { id: app.id, graceSeconds: 0 })).rotateAppSecret;
      expect((await post('/oauth/token', { grant_type: 'client_credentials' }, basic(app))).status).toBe(401);
      expect((await post('/oauth/token', { grant_type: 'client_credentials' }, basic({ clientId: app.clientId, secret: rotated.secret }))).status).toBe(200);
    });
  });

  describe('introspection (RFC 7662)', () => {
    it('should describe an active access token to an app of its tenant', async () => {
      const app = await newApp();
      const resourceServer = await newApp();
      const value = await accessTokenOf(app);
      const response = await post('/oauth/introspect', { token: value, token_type_hint: 'access_token' }, basic(resourceServer));
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      const expiresAt = Math.floor(tessera.clock.now().getTime() / 1000) + 3600;
      expect(response.body).toMatchObject({ active: true, scope: 'api', client_id: app.clientId, token_type: 'Bearer', sub: app.id, exp: expiresAt });
      expect(response.body?.jti).toMatch(/^apt_/);
    });

    it('should answer only { active: false } for unknown, revoked, foreign-tenant and non-access tokens', async () => {
      const app = await newApp();
      const value = await accessTokenOf(app);
      const elsewhere = await tessera.server.services.users.createTenantWithAdmin({
        tenantName: 'Elsewhere',
        adminEmail: `root-${Math.random()}@elsewhere.test`,
        adminName: 'Root',
      });
      const foreign = dataOf(await tessera.gql(CreateAppDocument, { input: { name: 'foreign' } }, elsewhere.secret)).createApp;
      const foreignClient = { clientId: foreign.app.clientId, secret: foreign.secret };
      for (const token of ['tsa_doesnotexist', app.secret, tessera.adminToken]) {
        expect((await post('/oauth/introspect', { token }, basic(app))).body).toEqual({ active: false });
      }
      expect((await post('/oauth/introspect', { token: value }, basic(foreignClient))).body).toEqual({ active: false });
      await oauthClient(app).createToken({ access_token: value }).revoke('access_token');
      expect((await post('/oauth/introspect', { token: value }, basic(app))).body).toEqual({ active: false });
    });

    it('should refuse callers without client credentials and requests without a token', async () => {
      const app = await newApp();
      const anonymous = await post('/oauth/introspect', { token: app.secret });
      expect(anonymous.status).toBe(401);
      expect(anonymous.body).toMatchObject({ error: 'invalid_client' });
      const missing = await post('/oauth/introspect', {}, basic(app));
      expect(missing.status).toBe(400);
      expect(missing.body).toMatchObject({ error: 'invalid_request' });
    });
  });

  describe('revocation (RFC 7009)', () => {
    it('should revoke an access token through the client library, at once, with a REVOKED notice', async () => {
      const app = await newApp();
      const token = await oauthClient(app, 'body').getToken({});
      const value = token.token.access_token as string;
      dataOf(await tessera.gql(ViewerDocument, {}, value));
      await token.revoke('access_token');
      expect(errorCodeOf(await tessera.gql(ViewerDocument, {}, value))).toBe('UNAUTHENTICATED');
      const events = dataOf(await tessera.gql(TokenEventsHistoryDocument, { first: 100, filter: { appIds: [app.id], types: ['REVOKED'] } })).tokenEvents.edges;
      expect(events).toHaveLength(1);
      expect(events[0].node).toMatchObject({ token: { kind: 'APP_ACCESS' }, actor: { type: 'app', id: app.id } });
    });

    it('should answer 200 for unknown and already revoked tokens', async () => {
      const app = await newApp();
      const value = await accessTokenOf(app);
      for (const token of ['tsa_doesnotexist', 'garbage', value, value]) {
        const response = await post('/oauth/revoke', { token, token_type_hint: 'access_token' }, basic(app));
        expect(response.status).toBe(200);
        expect(response.body).toEqual({});
      }
    });

    it("should refuse to revoke another app's token or a client secret, and keep them working", async () => {
      const app = await newApp();
      const other = await newApp();
      const value = await accessTokenOf(other);
      const refused = await post('/oauth/revoke', { token: value }, basic(app));
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ error: 'invalid_request' });
      expect(dataOf(await tessera.gql(ViewerDocument, {}, value)).viewer.id).toBe(other.id);
      const secret = await post('/oauth/revoke', { token: app.secret }, basic(app));
      expect(secret.status).toBe(400);
      expect(secret.body).toMatchObject({ error: 'unsupported_token_type' });
      expect(await accessTokenOf(app)).toMatch(/^tsa_/);
    });

    it('should refuse callers without client credentials and requests without a token', async () => {
      const app = await newApp();
      expect((await post('/oauth/revoke', { token: 'tsa_x' })).status).toBe(401);
      const missing = await post('/oauth/revoke', {}, basic(app));
      expect(missing.status).toBe(400);
      expect(missing.body).toMatchObject({ error: 'invalid_request' });
    });
  });
});
