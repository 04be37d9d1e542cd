import { generateKeyPairSync, verify as verifySignature } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OAuth2Server } from 'oauth2-mock-server';
import {
  CreateOAuthProviderDocument,
  CreateOAuthTokenDocument,
  DeleteOAuthProviderDocument,
  DeleteOAuthTokenDocument,
  ExportOAuthBundleDocument,
  ImportOAuthBundleDocument,
  OAuthAccessTokenDocument,
  OAuthTokensDocument,
  RefreshOAuthTokenDocument,
  RenameOAuthTokenDocument,
  ResetClientCredentialsTokenDocument,
  OAuthCallbackUrlDocument,
  RetryOAuthTokenDocument,
  StartTokenRequestDocument,
  TokenEventsHistoryDocument,
} from './generated/graphql';
import { AuditLogDocument } from './generated/graphql';
import { ManualClock } from '../src/core/clock';
import { BACKENDS, dataOf, errorCodeOf, startSibling, startTessera, type TestInstance } from './harness/tessera';

/** Every value a provider handed out in this file, to prove none of them leaks. */
const issued: string[] = [];

/** A real OAuth 2.0 server on loopback (oauth2-mock-server), restartable on the same port. */
async function startProvider(port = 0): Promise<OAuth2Server> {
  const provider = new OAuth2Server();
  await provider.issuer.keys.generate('RS256');
  provider.service.on('beforeResponse', (response: { body: unknown }) => {
    const body = response.body as Record<string, unknown>;
    for (const field of ['access_token', 'refresh_token', 'id_token']) if (typeof body?.[field] === 'string') issued.push(body[field] as string);
  });
  await provider.start(port, '127.0.0.1');
  return provider;
}

/** The background refresh timer stays out of the way: tests drive `refreshJob.run()` with a moved clock. */
const QUIET_JOB = { TESSERA_OAUTH_REFRESH_LEAD_MS: '300000', TESSERA_OAUTH_REFRESH_INTERVAL_MS: '86400000' };

function portOf(provider: OAuth2Server): number {
  return Number(new URL(provider.issuer.url as string).port);
}

describe.each(BACKENDS)('outbound OAuth tokens on %s', (backend) => {
  let tessera: TestInstance;
  let provider: OAuth2Server;
  let base: string;

  beforeAll(async () => {
    provider = await startProvider();
    base = provider.issuer.url as string;
    tessera = await startTessera({ backend, env: QUIET_JOB });
  });

  afterAll(async () => {
    if (process.env.OAUTH_DEBUG)
      console.log(
        tessera.logs
          .filter((line) => line.includes('"level":50'))
          .slice(0, 3)
          .join('\n'),
      );
    await tessera.close();
    await provider.stop().catch(() => undefined);
  });

  async function newProvider(extra: Record<string, unknown> = {}) {
    const input = {
      name: `provider ${Math.random().toString(36).slice(2)}`,
      authorizeUrl: `${base}/authorize`,
      tokenUrl: `${base}/token`,
      revocationUrl: `${base}/revoke`,
      defaultConsumerKey: 'tessera-client',
      defaultConsumerSecret: 'provider-secret-value',
      ...extra,
    };
    return dataOf(await tessera.gql(CreateOAuthProviderDocument, { input: input as never })).createOAuthProvider;
  }

  async function eventsOf(tokenId: string) {
    const events = dataOf(await tessera.gql(TokenEventsHistoryDocument, { first: 100, filter: { tokenIds: [tokenId] } })).tokenEvents;
    return events.edges.map((edge) => ({ type: edge.node.type, reason: edge.node.reason }));
  }

  it('should request a client-credentials token from the provider for real and hand it out only through oauthAccessToken', async () => {
    const { id: providerId } = await newProvider();
    let seenBody: Record<string, string> = {};
    provider.service.once('beforeResponse', (_response, req) => {
      seenBody = req.body as Record<string, string>;
    });
    const created = dataOf(
      await tessera.gql(CreateOAuthTokenDocument, {
        input: { name: 'crm sync', providerId, flow: 'CLIENT_CREDENTIALS', scope: 'read write', additionalValues: [{ name: 'audience', value: 'crm' }] },
      }),
    ).createOAuthToken;
    // Hour-long and renewed before it ends: ACTIVE, never EXPIRING (the warning window does not apply).
    expect(created.token).toMatchObject({
      kind: 'OAUTH',
      status: 'ACTIVE',
      requestStatus: 'ACTIVE',
      providerError: null,
      flow: 'CLIENT_CREDENTIALS',
      start: '',
    });
    expect(created.token.id).toMatch(/^oat_/);
    expect(created.warning).toContain('not HTTPS');
    expect(created.warning).toContain('plain HTTP');
    expect(seenBody).toMatchObject({ grant_type: 'client_credentials', scope: 'read write', audience: 'crm' });
    expect(new Date(created.token.expiresAt as string).getTime() - tessera.clock.now().getTime()).toBe(3600 * 1000);

    const read = dataOf(await tessera.gql(OAuthAccessTokenDocument, { id: created.token.id })).oauthAccessToken;
    expect(read.accessToken.split('.')).toHaveLength(3);
    expect(read.tokenType?.toLowerCase()).toBe('bearer');

    const listed = JSON.stringify(dataOf(await tessera.gql(OAuthTokensDocument, {})));
    expect(listed).toContain(created.token.id);
    expect(listed).not.toContain(read.accessToken);
    expect(listed).not.toContain('provider-secret-value');
    expect(tessera.logs.join('\n')).not.toContain(read.accessToken);
    // Not a Tessera credential: the verifier does not know it.
    const verified = await fetch(`${tessera.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${read.accessToken}` },
      body: JSON.stringify({ query: '{ viewer { id } }' }),
    });
    expect(JSON.stringify(await verified.json())).toContain('UNAUTHENTICATED');
  });

  it('should announce the end of a first term the provider gave, like any other term', async () => {
    const { id: providerId } = await newProvider();
    const created = dataOf(await tessera.gql(CreateOAuthTokenDocument, { input: { name: 'never refreshed', providerId, flow: 'CLIENT_CREDENTIALS' } }))
      .createOAuthToken.token;
    // Nothing refreshes it (the refresh job is held back here): the first term runs out.
    tessera.clock.advance(3600 * 1000 + 60_000);
    try {
      await tessera.server.sweep.run();
      expect((await eventsOf(created.id)).map((event) => event.type)).toEqual(['CREATED', 'EXPIRED']);
    } finally {
      tessera.clock.advance(-(3600 * 1000 + 60_000));
    }
  });

  it("should record the provider's error on a failed request and succeed on retry", async () => {
    const { id: providerId } = await newProvider();
    provider.service.once('beforeResponse', (response) => {
      response.statusCode = 401;
      response.body = { error: 'invalid_client', error_description: 'unknown client' };
    });
    const failed = dataOf(await tessera.gql(CreateOAuthTokenDocument, { input: { name: 'will fail', providerId, flow: 'CLIENT_CREDENTIALS' } }))
      .createOAuthToken.token;
    expect(failed.requestStatus).toBe('FAILED');
    expect(failed.providerError).toBe('invalid_client: unknown client');
    expect(errorCodeOf(await tessera.gql(OAuthAccessTokenDocument, { id: failed.id }))).toBe('CONFLICT');

    const retried = dataOf(await tessera.gql(RetryOAuthTokenDocument, { id: failed.id })).retryOAuthTokenRequest;
    expect(retried).toMatchObject({ requestStatus: 'ACTIVE', providerError: null });
    expect(errorCodeOf(await tessera.gql(RetryOAuthTokenDocument, { id: failed.id }))).toBe('CONFLICT');
  });

  it('should complete the authorization-code flow through /oauth/callback with state and PKCE, then refresh it', async () => {
    const { id: providerId } = await newProvider();
    const created = dataOf(
      await tessera.gql(CreateOAuthTokenDocument, { input: { name: 'mailbox', providerId, flow: 'AUTHORIZATION_CODE', scope: 'mail' } }),
    ).createOAuthToken;
    expect(created.token.requestStatus).toBe('REQUESTED');
    const link = new URL(created.authorizationUrl as string);
    expect(link.searchParams.get('code_challenge_method')).toBe('S256');
    expect(link.searchParams.get('state')).toBeTruthy();

    const approved = await fetch(link, { redirect: 'manual' });
    const back = new URL(approved.headers.get('location') as string);
    expect(back.pathname).toBe('/oauth/callback');
    const page = await fetch(`${tessera.url}/oauth/callback${back.search}`);
    const text = await page.text();
    expect(text).toContain('is ready');
    expect(page.status).toBe(200);
    const again = await fetch(`${tessera.url}/oauth/callback${back.search}`);
    expect(again.status).toBe(400);
    expect(await again.text()).toContain('already used');

    const tokens = dataOf(await tessera.gql(OAuthTokensDocument, {})).oauthTokens.edges.map((edge) => edge.node);
    const active = tokens.find((token) => token.id === created.token.id);
    expect(active).toMatchObject({ requestStatus: 'ACTIVE', hasRefreshToken: true });

    let grant = '';
    provider.service.once('beforeResponse', (_response, req) => {
      grant = (req.body as Record<string, string>).grant_type;
    });
    const before = dataOf(await tessera.gql(OAuthAccessTokenDocument, { id: created.token.id })).oauthAccessToken.accessToken;
    tessera.clock.advance(60_000);
    const refreshed = dataOf(await tessera.gql(RefreshOAuthTokenDocument, { id: created.token.id })).refreshOAuthToken;
    expect(grant).toBe('refresh_token');
    expect(refreshed.requestStatus).toBe('ACTIVE');
    const after = dataOf(await tessera.gql(OAuthAccessTokenDocument, { id: created.token.id })).oauthAccessToken.accessToken;
    expect(after).not.toBe(before);
    expect((await eventsOf(created.token.id)).map((event) => event.type)).toEqual(['CREATED', 'REFRESHED', 'REFRESHED']);

    const fresh = dataOf(await tessera.gql(StartTokenRequestDocument, { id: created.token.id })).startTokenRequest;
    expect(new URL(fresh.authorizationUrl).searchParams.get('state')).not.toBe(link.searchParams.get('state'));
  });

  it('should report on the callback page why an authorization failed', async () => {
    const { id: providerId } = await newProvider();
    const created = dataOf(await tessera.gql(CreateOAuthTokenDocument, { input: { name: 'denied', providerId, flow: 'AUTHORIZATION_CODE' } })).createOAuthToken;
    const state = new URL(created.authorizationUrl as string).searchParams.get('state') as string;
    const page = await fetch(`${tessera.url}/oauth/callback?state=${state}&error=access_denied&error_description=the+user+said+no`);
    expect(page.status).toBe(400);
    expect(await page.text()).toContain('access_denied: the user said no');
    const token = dataOf(await tessera.gql(OAuthTokensDocument, {})).oauthTokens.edges.find((edge) => edge.node.id === created.token.id)?.node;
    expect(token).toMatchObject({ requestStatus: 'FAILED', providerError: 'access_denied: the user said no' });
  });

  it('should refresh ahead of expiry exactly once, emit REFRESH_FAILED while the provider is down and RECOVERED when it is back', async () => {
    const { id: providerId } = await newProvider();
    const token = dataOf(await tessera.gql(CreateOAuthTokenDocument, { input: { name: 'proactive', providerId, flow: 'CLIENT_CREDENTIALS' } })).createOAuthToken
      .token;
    const job = tessera.server.services.oauth.refreshJob;
    const typesOf = async (type: string) => (await eventsOf(token.id)).filter((event) => event.type === type);
    await job.run();
    expect(await typesOf('REFRESHED')).toHaveLength(0); // not due yet

    tessera.clock.advance(3600 * 1000 - 300_000);
    await Promise.all([job.run(), job.run(), job.run()]);
    expect(await typesOf('REFRESHED')).toHaveLength(1);
    await job.run();
    expect(await typesOf('REFRESHED')).toHaveLength(1); // the next one is due an hour later

    const port = portOf(provider);
    await provider.stop();
    try {
      tessera.clock.advance(3600 * 1000 - 300_000);
      await job.run();
      expect(await typesOf('REFRESH_FAILED')).toEqual([{ type: 'REFRESH_FAILED', reason: 'unreachable' }]);
      await job.run();
      expect(await typesOf('REFRESH_FAILED')).toHaveLength(1); // backing off for 30 s
      tessera.clock.advance(30_000);
      await job.run();
      expect(await typesOf('REFRESH_FAILED')).toHaveLength(2);
      const listed = dataOf(await tessera.gql(OAuthTokensDocument, {})).oauthTokens.edges.find((edge) => edge.node.id === token.id)?.node;
      expect(listed).toMatchObject({ refreshFailures: 2, requestStatus: 'ACTIVE' });
      expect(listed?.providerError).toContain('could not be reached');
    } finally {
      provider = await startProvider(port);
    }
    tessera.clock.advance(60_000);
    await job.run();
    const events = (await eventsOf(token.id)).map((event) => event.type);
    expect(events.slice(-2)).toEqual(['REFRESHED', 'RECOVERED']);
    expect(events.filter((type) => type === 'RECOVERED')).toHaveLength(1);
    const recovered = dataOf(await tessera.gql(OAuthTokensDocument, {})).oauthTokens.edges.find((edge) => edge.node.id === token.id)?.node;
    expect(recovered).toMatchObject({ refreshFailures: 0, providerError: null, requestStatus: 'ACTIVE' });
  });

  it('should authenticate with a signed client assertion when the provider has a private key, and allow only client credentials', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const created = await newProvider({ privateKeyJwt: { privateKeyPem: pem, keyId: 'k1', algorithm: 'RS256' } });
    expect(created.allowedFlows).toEqual(['CLIENT_CREDENTIALS']);
    expect(created.privateKeyJwt).toEqual({ keyId: 'k1', algorithm: 'RS256' });
    expect(JSON.stringify(created)).not.toContain('PRIVATE KEY');

    let body: Record<string, string> = {};
    provider.service.once('beforeResponse', (_response, req) => {
      body = req.body as Record<string, string>;
    });
    const token = dataOf(await tessera.gql(CreateOAuthTokenDocument, { input: { name: 'signed', providerId: created.id, flow: 'CLIENT_CREDENTIALS' } }))
      .createOAuthToken.token;
    expect(token.requestStatus).toBe('ACTIVE');
    expect(body.client_assertion_type).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    const [header, payload, signature] = body.client_assertion.split('.');
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toMatchObject({ alg: 'RS256', kid: 'k1' });
    expect(JSON.parse(Buffer.from(payload, 'base64url').toString())).toMatchObject({ iss: 'tessera-client', sub: 'tessera-client' });
    expect(verifySignature('sha256', Buffer.from(`${header}.${payload}`), publicKey, Buffer.from(signature, 'base64url'))).toBe(true);

    const refused = await tessera.gql(CreateOAuthTokenDocument, { input: { name: 'nope', providerId: created.id, flow: 'AUTHORIZATION_CODE' } });
    expect(errorCodeOf(refused)).toBe('BAD_USER_INPUT');
    expect(refused.errors?.[0]?.extensions?.field).toBe('input.flow');
  });

  it('should obtain a token by the password grant, reset a client-credentials token with revocation, rename and delete', async () => {
    const { id: providerId } = await newProvider();
    let body: Record<string, string> = {};
    provider.service.once('beforeResponse', (_response, req) => {
      body = req.body as Record<string, string>;
    });
    const password = dataOf(
      await tessera.gql(CreateOAuthTokenDocument, { input: { name: 'legacy', providerId, flow: 'PASSWORD', username: 'robot', password: 'hunter2-long' } }),
    ).createOAuthToken.token;
    expect(password.providerError).toBeNull();
    expect(password.requestStatus).toBe('ACTIVE');
    expect(body).toMatchObject({ grant_type: 'password', username: 'robot' });

    const cc = dataOf(await tessera.gql(CreateOAuthTokenDocument, { input: { name: 'to reset', providerId, flow: 'CLIENT_CREDENTIALS', scope: 'a' } }))
      .createOAuthToken.token;
    const old = dataOf(await tessera.gql(OAuthAccessTokenDocument, { id: cc.id })).oauthAccessToken.accessToken;
    // The mock parses no body on its revocation endpoint: read the form from the request stream.
    const revoked = new Promise<URLSearchParams>((resolve) => {
      provider.service.once('beforeRevoke', (_response, req) => {
        let raw = '';
        req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
        req.on('end', () => resolve(new URLSearchParams(raw)));
      });
    });
    const reset = dataOf(await tessera.gql(ResetClientCredentialsTokenDocument, { id: cc.id, scope: 'b' })).resetClientCredentialsToken;
    expect((await revoked).get('token')).toBe(old);
    expect((await revoked).get('token_type_hint')).toBe('access_token');
    expect(reset).toMatchObject({ requestStatus: 'ACTIVE', scope: 'b' });
    expect(dataOf(await tessera.gql(OAuthAccessTokenDocument, { id: cc.id })).oauthAccessToken.accessToken).not.toBe(old);
    expect(errorCodeOf(await tessera.gql(ResetClientCredentialsTokenDocument, { id: password.id }))).toBe('BAD_USER_INPUT');
    // Every reset input, and how each is cleared: an empty string, an empty list; absent keeps it.
    const withAll = dataOf(
      await tessera.gql(ResetClientCredentialsTokenDocument, {
        id: cc.id,
        resource: 'https://api.example/',
        additionalValues: [{ name: 'audience', value: 'crm' }],
      }),
    ).resetClientCredentialsToken;
    expect(withAll).toMatchObject({ scope: 'b', resource: 'https://api.example/', additionalValues: [{ name: 'audience', value: 'crm' }] });
    const cleared = dataOf(
      await tessera.gql(ResetClientCredentialsTokenDocument, { id: cc.id, scope: '', resource: '', additionalValues: [] }),
    ).resetClientCredentialsToken;
    expect(cleared).toMatchObject({ scope: null, resource: null, additionalValues: [] });
    expect(dataOf(await tessera.gql(OAuthCallbackUrlDocument, {})).oauthCallbackUrl).toBe(`${tessera.server.services.config.publicUrl}/oauth/callback`);

    expect(dataOf(await tessera.gql(RenameOAuthTokenDocument, { id: cc.id, name: 'renamed' })).renameOAuthToken.name).toBe('renamed');
    const audit = dataOf(await tessera.gql(AuditLogDocument, { first: 50, targetId: cc.id })).auditLog.edges.map((edge) => edge.node);
    expect(audit.map((entry) => entry.action)).toEqual(expect.arrayContaining(['oauth_token.renamed', 'oauth_token.access_token_read', 'oauth_token.reset']));
    expect(audit.find((entry) => entry.action === 'oauth_token.renamed')?.detail).toMatchObject({ previousName: 'to reset' });
    expect(errorCodeOf(await tessera.gql(DeleteOAuthProviderDocument, { id: providerId }))).toBe('CONFLICT');
    dataOf(await tessera.gql(DeleteOAuthTokenDocument, { id: cc.id }));
    dataOf(await tessera.gql(DeleteOAuthTokenDocument, { id: password.id }));
    expect(errorCodeOf(await tessera.gql(OAuthAccessTokenDocument, { id: cc.id }))).toBe('NOT_FOUND');
    dataOf(await tessera.gql(DeleteOAuthProviderDocument, { id: providerId }));
  });

  /** The next `count` RFC 7009 requests the provider receives (its mock parses no body there: read the form from the stream). */
  function nextRevocations(count: number): Promise<{ token: string | null; hint: string | null; client: string | null }[]> {
    return new Promise((resolve) => {
      const seen: Promise<{ token: string | null; hint: string | null; client: string | null }>[] = [];
      const listener = (_response: unknown, req: NodeJS.ReadableStream & { headers: Record<string, string | undefined> }) => {
        seen.push(
          new Promise((done) => {
            let raw = '';
            req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
            req.on('end', () => {
              const form = new URLSearchParams(raw);
              const basic = req.headers.authorization?.replace(/^Basic /, '');
              done({
                token: form.get('token'),
                hint: form.get('token_type_hint'),
                client: form.get('client_id') ?? (basic ? decodeURIComponent(Buffer.from(basic, 'base64').toString().split(':')[0]) : null),
              });
            });
          }),
        );
        if (seen.length === count) {
          provider.service.off('beforeRevoke', listener as never);
          void Promise.all(seen).then(resolve);
        }
      };
      provider.service.on('beforeRevoke', listener as never);
    });
  }

  it('should revoke the grant at the provider before deleting a token, delete nothing when the provider refuses, and skip the provider only when told to', async () => {
    const { id: providerId } = await newProvider();
    const create = async (name: string, onProvider = providerId) => {
      let refreshToken = '';
      provider.service.once('beforeResponse', (response: { body: unknown }) => {
        refreshToken = (response.body as Record<string, string>).refresh_token;
      });
      const token = dataOf(
        await tessera.gql(CreateOAuthTokenDocument, { input: { name, providerId: onProvider, flow: 'PASSWORD', username: 'robot', password: 'hunter2-long' } }),
      ).createOAuthToken.token;
      expect(token.requestStatus).toBe('ACTIVE');
      expect(refreshToken).toMatch(/.{16,}/);
      const accessToken = dataOf(await tessera.gql(OAuthAccessTokenDocument, { id: token.id })).oauthAccessToken.accessToken;
      return { id: token.id, refreshToken, accessToken };
    };

    // The provider refuses: nothing is deleted, and the answer carries no value.
    const held = await create('to delete');
    provider.service.once('beforeRevoke', (response: { statusCode: number }) => {
      response.statusCode = 503;
    });
    const refused = await tessera.gql(DeleteOAuthTokenDocument, { id: held.id });
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'REVOCATION_REFUSED' });
    expect(JSON.stringify(refused)).not.toContain(held.refreshToken);
    expect(JSON.stringify(refused)).not.toContain(held.accessToken);
    expect(dataOf(await tessera.gql(OAuthAccessTokenDocument, { id: held.id })).oauthAccessToken.accessToken).toBe(held.accessToken);
    expect((await eventsOf(held.id)).map((event) => event.type)).not.toContain('DELETED');

    // The provider accepts: the refresh token (the grant), then the access token, each with its hint and the token's client; then the record goes.
    const revocations = nextRevocations(2);
    expect(dataOf(await tessera.gql(DeleteOAuthTokenDocument, { id: held.id })).deleteOAuthToken.id).toBe(held.id);
    expect(await revocations).toEqual([
      { token: held.refreshToken, hint: 'refresh_token', client: 'tessera-client' },
      { token: held.accessToken, hint: 'access_token', client: 'tessera-client' },
    ]);
    expect(errorCodeOf(await tessera.gql(OAuthAccessTokenDocument, { id: held.id }))).toBe('NOT_FOUND');
    expect(await eventsOf(held.id)).toContainEqual({ type: 'DELETED', reason: 'PROVIDER_REVOKED' });

    // Told not to ask (a provider gone for good): deleted without a single request to the provider.
    const abandoned = await create('abandoned');
    let asked = 0;
    const count = () => {
      asked += 1;
    };
    provider.service.on('beforeRevoke', count);
    try {
      dataOf(await tessera.gql(DeleteOAuthTokenDocument, { id: abandoned.id, revokeAtProvider: false }));
    } finally {
      provider.service.off('beforeRevoke', count);
    }
    expect(asked).toBe(0);
    expect(await eventsOf(abandoned.id)).toContainEqual({ type: 'DELETED', reason: 'PROVIDER_NOT_ASKED' });

    // A provider without a revocation URL: deleted, and the event says the grant could not be revoked.
    const { id: bareProviderId } = await newProvider({ revocationUrl: null });
    const unrevocable = await create('no revocation endpoint', bareProviderId);
    dataOf(await tessera.gql(DeleteOAuthTokenDocument, { id: unrevocable.id }));
    expect(await eventsOf(unrevocable.id)).toContainEqual({ type: 'DELETED', reason: 'PROVIDER_CANNOT_REVOKE' });
    dataOf(await tessera.gql(DeleteOAuthProviderDocument, { id: bareProviderId }));
    dataOf(await tessera.gql(DeleteOAuthProviderDocument, { id: providerId }));
  });

  it('should delete nothing when the token is refreshed while its grant is being revoked, and revoke the new grant when deleted again', async () => {
    // A revocation endpoint that holds its answers until the test lets them go (the mock answers at once).
    const hints: (string | null)[] = [];
    let release = () => undefined as void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let arrived = () => undefined as void;
    const firstArrived = new Promise<void>((resolve) => (arrived = resolve));
    const gate = createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      req.on('end', () => {
        hints.push(new URLSearchParams(raw).get('token_type_hint'));
        arrived();
        void released.then(() => res.end());
      });
    });
    await new Promise<void>((resolve) => gate.listen(0, '127.0.0.1', resolve));
    try {
      const { id: providerId } = await newProvider({ revocationUrl: `http://127.0.0.1:${(gate.address() as AddressInfo).port}/revoke` });
      const token = dataOf(
        await tessera.gql(CreateOAuthTokenDocument, {
          input: { name: 'refreshed meanwhile', providerId, flow: 'PASSWORD', username: 'robot', password: 'hunter2-long' },
        }),
      ).createOAuthToken.token;
      const before = dataOf(await tessera.gql(OAuthAccessTokenDocument, { id: token.id })).oauthAccessToken.accessToken;

      const deleting = tessera.gql(DeleteOAuthTokenDocument, { id: token.id });
      await firstArrived;
      // While the provider is being asked, the token is refreshed (as the background job would do).
      tessera.clock.advance(60_000);
      expect(dataOf(await tessera.gql(RefreshOAuthTokenDocument, { id: token.id })).refreshOAuthToken.requestStatus).toBe('ACTIVE');
      release();
      const refused = await deleting;
      expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'CHANGED_WHILE_DELETING' });
      // Still there, holding the new grant; deleting again revokes that one too, then deletes.
      const after = dataOf(await tessera.gql(OAuthAccessTokenDocument, { id: token.id })).oauthAccessToken.accessToken;
      expect(after).not.toBe(before);
      expect((await eventsOf(token.id)).map((event) => event.type)).not.toContain('DELETED');
      dataOf(await tessera.gql(DeleteOAuthTokenDocument, { id: token.id }));
      expect(errorCodeOf(await tessera.gql(OAuthAccessTokenDocument, { id: token.id }))).toBe('NOT_FOUND');
      expect(hints).toEqual(['refresh_token', 'access_token', 'refresh_token', 'access_token']);
      dataOf(await tessera.gql(DeleteOAuthProviderDocument, { id: providerId }));
    } finally {
      release();
      await new Promise<void>((resolve) => gate.close(() => resolve()));
    }
  });

  it('should export a bundle and import it into a second database; a wrong passphrase or an altered bundle imports nothing', async () => {
    const { id: providerId } = await newProvider();
    const token = dataOf(await tessera.gql(CreateOAuthTokenDocument, { input: { name: 'exported', providerId, flow: 'CLIENT_CREDENTIALS' } })).createOAuthToken
      .token;
    const value = dataOf(await tessera.gql(OAuthAccessTokenDocument, { id: token.id })).oauthAccessToken.accessToken;
    const passphrase = 'correct horse battery staple';
    const exported = dataOf(await tessera.gql(ExportOAuthBundleDocument, { passphrase })).exportOAuthBundle;
    expect(exported.bundle).not.toContain(value.slice(0, 20));

    const second = await startTessera({ backend, clock: tessera.clock });
    try {
      const wrong = await second.gql(ImportOAuthBundleDocument, { bundle: exported.bundle, passphrase: 'not the passphrase', onConflict: 'SKIP' });
      expect(errorCodeOf(wrong)).toBe('BAD_USER_INPUT');
      const body = exported.bundle.slice(5);
      const flipped = body.slice(0, 40) + (body[40] === 'A' ? 'B' : 'A') + body.slice(41);
      expect(errorCodeOf(await second.gql(ImportOAuthBundleDocument, { bundle: `tob1.${flipped}`, passphrase, onConflict: 'SKIP' }))).toBe('BAD_USER_INPUT');
      expect(dataOf(await second.gql(OAuthTokensDocument, {})).oauthTokens.totalCount).toBe(0);

      const imported = dataOf(await second.gql(ImportOAuthBundleDocument, { bundle: exported.bundle, passphrase, onConflict: 'SKIP' })).importOAuthBundle.items;
      expect(imported.filter((item) => item.outcome === 'CREATED')).toHaveLength(imported.length);
      const copy = imported.find((item) => item.type === 'token' && item.name === 'exported');
      expect(dataOf(await second.gql(OAuthAccessTokenDocument, { id: copy?.id as string })).oauthAccessToken.accessToken).toBe(value);

      const renamed = dataOf(await second.gql(ImportOAuthBundleDocument, { bundle: exported.bundle, passphrase, onConflict: 'RENAME' })).importOAuthBundle
        .items;
      expect(renamed.find((item) => item.name === 'exported')).toMatchObject({ outcome: 'RENAMED', importedName: 'exported (2)' });

      const replaced = dataOf(await second.gql(ImportOAuthBundleDocument, { bundle: exported.bundle, passphrase, onConflict: 'REPLACE' })).importOAuthBundle
        .items;
      expect(replaced.find((item) => item.type === 'token' && item.name === 'exported')).toMatchObject({ outcome: 'REPLACED', importedName: 'exported' });
      expect(replaced.find((item) => item.type === 'provider')).toMatchObject({ outcome: 'REPLACED' });
      const names = dataOf(await second.gql(OAuthTokensDocument, {}))
        .oauthTokens.edges.map((edge) => edge.node.name)
        .sort();
      expect(names.filter((name) => name.startsWith('exported'))).toEqual(['exported', 'exported (2)']);
      const replacement = replaced.find((item) => item.type === 'token' && item.name === 'exported');
      expect(dataOf(await second.gql(OAuthAccessTokenDocument, { id: replacement?.id as string })).oauthAccessToken.accessToken).toBe(value);
      expect(errorCodeOf(await second.gql(OAuthAccessTokenDocument, { id: copy?.id as string }))).toBe('NOT_FOUND');
    } finally {
      await second.close();
    }
  });

  it('should complete an OpenID Connect request with a nonce checked in the ID token', async () => {
    // The mock reads HTTP Basic credentials without URL-decoding them (RFC 6749 2.3.1): a client id
    // with no character that needs encoding keeps the ID token's audience comparable.
    const { id: providerId } = await newProvider({ defaultConsumerKey: 'tesseraoidc' });
    const created = dataOf(
      await tessera.gql(CreateOAuthTokenDocument, { input: { name: 'oidc', providerId, flow: 'OIDC_HYBRID', scope: 'profile' } }),
    ).createOAuthToken;
    const link = new URL(created.authorizationUrl as string);
    expect(link.searchParams.get('nonce')).toBeTruthy();
    expect(link.searchParams.get('scope')?.split(' ')).toEqual(expect.arrayContaining(['openid', 'profile']));
    const back = new URL((await fetch(link, { redirect: 'manual' })).headers.get('location') as string);
    const page = await fetch(`${tessera.url}/oauth/callback${back.search}`);
    expect(await page.text()).toContain('is ready');
    const token = dataOf(await tessera.gql(OAuthTokensDocument, {})).oauthTokens.edges.find((edge) => edge.node.id === created.token.id)?.node;
    expect(token).toMatchObject({ requestStatus: 'ACTIVE', flow: 'OIDC_HYBRID' });
  });

  it('should refuse to delete a provider while tokens use it, naming the conflict', async () => {
    const { id: providerId } = await newProvider();
    const token = dataOf(await tessera.gql(CreateOAuthTokenDocument, { input: { name: 'holds provider', providerId, flow: 'CLIENT_CREDENTIALS' } }))
      .createOAuthToken.token;
    const refused = await tessera.gql(DeleteOAuthProviderDocument, { id: providerId });
    expect(errorCodeOf(refused)).toBe('CONFLICT');
    dataOf(await tessera.gql(DeleteOAuthTokenDocument, { id: token.id }));
    expect(dataOf(await tessera.gql(DeleteOAuthProviderDocument, { id: providerId })).deleteOAuthProvider.id).toBe(providerId);
    const name = `raced ${Math.random().toString(36).slice(2)}`;
    const input = { name, authorizeUrl: `${base}/authorize`, tokenUrl: `${base}/token`, defaultConsumerKey: 'k', defaultConsumerSecret: 'raced-secret' };
    const raced = await Promise.all([1, 2, 3].map(() => tessera.gql(CreateOAuthProviderDocument, { input })));
    expect(raced.filter((response) => !response.errors).length).toBe(1);
    expect(raced.filter((response) => response.errors).map(errorCodeOf)).toEqual(['CONFLICT', 'CONFLICT']);
    expect(tessera.logs.join('\n')).not.toMatch(/unexpected error|"level":50/);
  });

  it('should never show a value the provider issued in a log line, an event, a list or the audit log', async () => {
    expect(issued.length).toBeGreaterThan(5);
    const events = JSON.stringify(dataOf(await tessera.gql(TokenEventsHistoryDocument, { first: 100 })).tokenEvents);
    const listed = JSON.stringify(dataOf(await tessera.gql(OAuthTokensDocument, {})).oauthTokens);
    const audit = JSON.stringify(dataOf(await tessera.gql(AuditLogDocument, { first: 100 })).auditLog);
    const logs = tessera.logs.join('\n');
    for (const value of issued) {
      for (const [where, text] of Object.entries({ events, listed, audit, logs })) {
        if (text.includes(value)) throw new Error(`a provider-issued value appears in ${where}`);
      }
    }
    for (const secret of ['provider-secret-value', 'hunter2-long']) expect([events, listed, audit, logs].some((text) => text.includes(secret))).toBe(false);
  });
});

describe('proactive OAuth refresh across instances on postgres', () => {
  const clock = new ManualClock();
  let a: TestInstance;
  let b: TestInstance;
  let provider: OAuth2Server;

  beforeAll(async () => {
    provider = await startProvider();
    a = await startTessera({ backend: 'postgres', clock, env: QUIET_JOB });
    b = await startSibling(a, { backend: 'postgres', clock, env: QUIET_JOB });
  });

  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
    await provider.stop();
  });

  it('should refresh a due token exactly once when two instances run the job at the same moment', async () => {
    const base = provider.issuer.url as string;
    const created = dataOf(
      await a.gql(CreateOAuthProviderDocument, {
        input: {
          name: 'shared',
          authorizeUrl: `${base}/authorize`,
          tokenUrl: `${base}/token`,
          defaultConsumerKey: 'tessera-client',
          defaultConsumerSecret: 'shared-secret',
        },
      }),
    ).createOAuthProvider;
    const tokens = [];
    for (const name of ['one', 'two', 'three']) {
      tokens.push(
        dataOf(await a.gql(CreateOAuthTokenDocument, { input: { name, providerId: created.id, flow: 'CLIENT_CREDENTIALS' } })).createOAuthToken.token,
      );
    }
    let requests = 0;
    provider.service.on('beforeResponse', () => (requests += 1));
    clock.advance(3600 * 1000 - 300_000);
    const handled = await Promise.all([a.server.services.oauth.refreshJob.run(), b.server.services.oauth.refreshJob.run()]);
    expect(handled[0] + handled[1]).toBe(3);
    expect(requests).toBe(3);
    const events = dataOf(await b.gql(TokenEventsHistoryDocument, { first: 100, filter: { types: ['REFRESHED'] } })).tokenEvents.edges.map(
      (edge) => edge.node.token.tokenId,
    );
    expect(events.sort()).toEqual(tokens.map((token) => token.id).sort());
  });
});
