import { createServer as createNetServer } from 'node:net';
import type * as OpenIdClient from 'openid-client' with { 'resolution-mode': 'import' };
import { CreateAppDocument, VerifyTokenDocument } from './generated/graphql';
import { BACKENDS, dataOf, startTessera, type TestInstance } from './harness/tessera';

/** openid-client 6 is an ES module: loaded as the server loads it (src/modules/oauth/oauth.client.ts). */
let client: typeof OpenIdClient;

/** A free loopback port, so that PUBLIC_URL (the issuer) can name the address the instance listens on. */
async function freePort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** RFC 6749 §5.2: error_description is %x20-21 / %x23-5B / %x5D-7E (printable ASCII without `"` and `\`). */
const RFC6749_DESCRIPTION = /^[\x20\x21\x23-\x5B\x5D-\x7E]*$/;

/**
 * Issue 17: an OAuth client library configures itself from RFC 8414 metadata, then obtains,
 * introspects and revokes an access token — openid-client, the certified client other services
 * use, with nothing written by hand.
 */
describe.each(BACKENDS)('OAuth discovery (RFC 8414) with openid-client on %s', (backend) => {
  let tessera: TestInstance;
  let publicUrl: string;
  let app: { clientId: string; secret: string };

  beforeAll(async () => {
    client = await import('openid-client');
    const port = await freePort();
    publicUrl = `http://127.0.0.1:${port}`;
    tessera = await startTessera({ backend, env: { PORT: String(port), PUBLIC_URL: publicUrl } });
    const created = dataOf(await tessera.gql(CreateAppDocument, { input: { name: `discovered ${Math.random().toString(36).slice(2)}` } })).createApp;
    app = { clientId: created.app.clientId, secret: created.secret };
  });

  afterAll(async () => {
    await tessera?.close();
  });

  it('should publish metadata whose issuer is PUBLIC_URL and whose endpoints are the /oauth/* routes', async () => {
    const response = await fetch(`${tessera.url}/.well-known/oauth-authorization-server`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toMatchObject({
      issuer: publicUrl,
      token_endpoint: `${publicUrl}/oauth/token`,
      introspection_endpoint: `${publicUrl}/oauth/introspect`,
      revocation_endpoint: `${publicUrl}/oauth/revoke`,
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: expect.arrayContaining(['client_secret_basic', 'client_secret_post']),
      scopes_supported: ['api'],
    });
  });

  it.each([
    ['client_secret_basic', (secret: string) => client.ClientSecretBasic(secret)],
    ['client_secret_post', (secret: string) => client.ClientSecretPost(secret)],
  ])('should obtain, introspect and revoke a token through discovery() alone (%s)', async (_method, auth) => {
    const config = await client.discovery(new URL(publicUrl), app.clientId, undefined, auth(app.secret), {
      algorithm: 'oauth2',
      execute: [client.allowInsecureRequests],
    });
    expect(config.serverMetadata().issuer).toBe(publicUrl);

    const issued = await client.clientCredentialsGrant(config, { scope: 'api' });
    expect(issued).toMatchObject({ token_type: 'bearer', scope: 'api' });
    expect(issued.expiresIn()).toBeGreaterThan(0);
    // The token works against the API.
    expect(dataOf(await tessera.gql(VerifyTokenDocument, { token: issued.access_token }, issued.access_token)).verifyToken.valid).toBe(true);

    expect(await client.tokenIntrospection(config, issued.access_token)).toMatchObject({ active: true, client_id: app.clientId });
    await client.tokenRevocation(config, issued.access_token);
    expect(await client.tokenIntrospection(config, issued.access_token)).toMatchObject({ active: false });
  });

  it("should surface the server's error through the library, with a description RFC 6749 allows", async () => {
    const config = await client.discovery(new URL(publicUrl), app.clientId, undefined, client.ClientSecretBasic(app.secret), {
      algorithm: 'oauth2',
      execute: [client.allowInsecureRequests],
    });
    const refused = await client.clientCredentialsGrant(config, { scope: 'admin' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(client.ResponseBodyError);
    expect((refused as OpenIdClient.ResponseBodyError).error).toBe('invalid_scope');
    expect((refused as OpenIdClient.ResponseBodyError).error_description).toMatch(RFC6749_DESCRIPTION);
  });

  it('should keep every error_description inside the RFC 6749 character set', async () => {
    const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
    const form = (path: string, body: string, headers: Record<string, string> = {}) =>
      fetch(`${tessera.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });
    const mistakes = [
      form('/oauth/token', 'grant_type=client_credentials&scope=admin', { authorization: basic(app.clientId, app.secret) }),
      form('/oauth/token', 'grant_type=password', { authorization: basic(app.clientId, app.secret) }),
      form('/oauth/token', 'grant_type=client_credentials&scope=%22x%5C', { authorization: basic(app.clientId, app.secret) }),
      form('/oauth/token', '', { authorization: basic(app.clientId, app.secret) }),
      form('/oauth/token', 'grant_type=client_credentials', { authorization: basic(app.clientId, 'wrong') }),
      form('/oauth/token', 'grant_type=client_credentials&grant_type=x', { authorization: basic(app.clientId, app.secret) }),
      form('/oauth/introspect', '', { authorization: basic(app.clientId, app.secret) }),
      form('/oauth/revoke', 'token=tsp_x', { authorization: basic(app.clientId, app.secret) }),
      fetch(`${tessera.url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }),
    ];
    let errors = 0;
    for (const response of await Promise.all(mistakes)) {
      const body = (await response.json()) as { error?: unknown; error_description?: unknown };
      if (response.status < 400) continue;
      errors += 1;
      expect(typeof body.error).toBe('string');
      expect(body.error_description).toEqual(expect.stringMatching(RFC6749_DESCRIPTION));
    }
    expect(errors).toBeGreaterThanOrEqual(8);
  });
});
