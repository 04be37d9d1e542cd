import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HostResolver } from '../../src/core/outbound';
import { CreateOAuthTokenDocument, RetryOAuthTokenDocument, TokenEventsHistoryDocument } from '../generated/graphql';
import { loopbackOnly } from '../harness/loopback-only';
import { BACKENDS, dataOf, startTessera, type TestInstance } from '../harness/tessera';

/** The background refresh stays out of the way. */
const QUIET_JOB = { TESSERA_OAUTH_REFRESH_LEAD_MS: '300000', TESSERA_OAUTH_REFRESH_INTERVAL_MS: '86400000' };

/** DNS for the tests: a table of answers (changeable), every question recorded. */
function stubResolver(answers: Record<string, string[]>): HostResolver & { asked: string[]; answers: Record<string, string[]> } {
  const asked: string[] = [];
  const resolve = async (hostname: string) => {
    asked.push(hostname);
    const addresses = answers[hostname];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(resolve, { asked, answers });
}

/** A token endpoint on loopback whose every answer the test chooses. */
async function startEndpoint(): Promise<{
  url: string;
  port: number;
  requests: number;
  answer: (req: IncomingMessage, res: ServerResponse) => void;
  close(): Promise<void>;
}> {
  const endpoint = {
    url: '',
    port: 0,
    requests: 0,
    answer: (_req: IncomingMessage, res: ServerResponse) => res.writeHead(500).end(),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((req, res) => {
    endpoint.requests += 1;
    req.resume().on('end', () => endpoint.answer(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint.port = (server.address() as AddressInfo).port;
  endpoint.url = `http://127.0.0.1:${endpoint.port}`;
  return endpoint;
}

const CREATE = 'mutation ($input: CreateOAuthProviderInput!) { createOAuthProvider(input: $input) { id tokenUrl authorizeUrl revocationUrl } }';
const UPDATE =
  'mutation ($id: ID!, $input: UpdateOAuthProviderInput!) { updateOAuthProvider(id: $id, input: $input) { id tokenUrl authorizeUrl revocationUrl } }';
const PROVIDERS = '{ oauthProviders(first: 100) { edges { node { id tokenUrl authorizeUrl revocationUrl } } } }';

/** Destinations no provider URL may name while nothing is allowed. */
const REFUSED_HOSTS = [
  '127.0.0.1',
  '10.0.0.5',
  '172.16.0.1',
  '192.168.1.1',
  '169.254.169.254',
  '0.0.0.0',
  '[::1]',
  '[::ffff:127.0.0.1]',
  '[::ffff:a9fe:a9fe]',
  '[fc00::]',
  'localhost',
  'internal.example', // resolves to 10.0.0.5 (stubbed)
  'metadata.example', // resolves to 169.254.169.254 (stubbed)
  'mixed.example', // one public and one private answer (stubbed)
  'nowhere.example', // does not resolve
];
const URL_FIELDS = ['authorizeUrl', 'tokenUrl', 'revocationUrl'] as const;

/** Should anything here pass a private answer on, the connection stops at this tripwire instead. */
const tripwire = loopbackOnly();
afterAll(() => {
  tripwire.restore();
  expect(tripwire.stopped).toEqual([]);
});

describe.each(BACKENDS)('outbound destinations of OAuth providers on %s', (backend) => {
  let tessera: TestInstance;
  let resolver: ReturnType<typeof stubResolver>;

  beforeAll(async () => {
    tessera = await startTessera({ backend, env: { ...QUIET_JOB, TESSERA_OUTBOUND_ALLOWED_HOSTS: '' } });
    resolver = stubResolver({
      'idp.example': ['93.184.216.34'],
      'internal.example': ['10.0.0.5'],
      'metadata.example': ['169.254.169.254'],
      'mixed.example': ['93.184.216.34', '10.0.0.5'],
      localhost: ['127.0.0.1', '::1'],
    });
    tessera.server.services.oauth.outbound.resolver = resolver;
  });

  afterAll(async () => {
    await tessera.close();
  });

  const publicInput = () => ({
    name: `idp ${Math.random().toString(36).slice(2)}`,
    authorizeUrl: 'https://idp.example/authorize',
    tokenUrl: 'https://idp.example/token',
    revocationUrl: 'https://idp.example/revoke',
    defaultConsumerKey: 'client',
    defaultConsumerSecret: 'client-secret-value',
  });

  async function providers() {
    const listed = await tessera.raw({ query: PROVIDERS });
    return (listed.body.data as { oauthProviders: { edges: { node: Record<string, string> }[] } }).oauthProviders.edges.map((edge) => edge.node);
  }

  it('should refuse every non-public destination in every URL field at create, creating nothing', async () => {
    const before = await providers();
    for (const host of REFUSED_HOSTS) {
      for (const field of URL_FIELDS) {
        const response = await tessera.raw({ query: CREATE, variables: { input: { ...publicInput(), [field]: `http://${host}:8080/${field}` } } });
        expect({ host, field, errors: response.body.errors?.map((error) => ({ code: error.extensions?.code, field: error.extensions?.field })) }).toEqual({
          host,
          field,
          errors: [{ code: 'BAD_USER_INPUT', field: `input.${field}` }],
        });
        expect(response.body.errors?.[0]?.message).toContain('TESSERA_OUTBOUND_ALLOWED_HOSTS');
      }
    }
    expect(await providers()).toEqual(before);
  });

  it('should refuse user info and other schemes in a provider URL', async () => {
    for (const url of ['https://user:pass@idp.example/token', 'ftp://idp.example/token', 'file:///etc/passwd']) {
      const response = await tessera.raw({ query: CREATE, variables: { input: { ...publicInput(), tokenUrl: url } } });
      expect(response.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.tokenUrl' });
    }
  });

  it('should refuse every non-public destination in every URL field at update, changing nothing', async () => {
    const created = dataOf((await tessera.raw({ query: CREATE, variables: { input: publicInput() } })).body).createOAuthProvider as Record<string, string>;
    for (const host of REFUSED_HOSTS) {
      for (const field of URL_FIELDS) {
        const response = await tessera.raw({
          query: UPDATE,
          variables: { id: created.id, input: { [field]: `http://${host}/${field}`, defaultConsumerSecret: 'a-new-secret' } },
        });
        expect({ host, field, extensions: response.body.errors?.[0]?.extensions }).toEqual({
          host,
          field,
          extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field: `input.${field}` }),
        });
      }
    }
    // The low item: any string was accepted as a revocation URL.
    const notUrl = await tessera.raw({
      query: UPDATE,
      variables: { id: created.id, input: { revocationUrl: 'javascript:alert(1)', defaultConsumerSecret: 'a-new-secret' } },
    });
    expect(notUrl.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect((await providers()).find((provider) => provider.id === created.id)).toEqual(created);
  });

  it('should need the credentials again when the token or revocation URL changes, not when the authorization URL does', async () => {
    const created = dataOf((await tessera.raw({ query: CREATE, variables: { input: publicInput() } })).body).createOAuthProvider as Record<string, string>;
    for (const field of ['tokenUrl', 'revocationUrl']) {
      const refused = await tessera.raw({ query: UPDATE, variables: { id: created.id, input: { [field]: `https://idp.example/v2/${field}` } } });
      expect(refused.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.defaultConsumerSecret' });
    }
    expect((await providers()).find((provider) => provider.id === created.id)).toEqual(created);
    // The same URL again is no change.
    dataOf((await tessera.raw({ query: UPDATE, variables: { id: created.id, input: { tokenUrl: created.tokenUrl } } })).body);
    dataOf((await tessera.raw({ query: UPDATE, variables: { id: created.id, input: { authorizeUrl: 'https://idp.example/v2/authorize' } } })).body);
    const moved = dataOf(
      (
        await tessera.raw({
          query: UPDATE,
          variables: { id: created.id, input: { tokenUrl: 'https://idp.example/v2/token', defaultConsumerSecret: 'the-new-secret' } },
        })
      ).body,
    );
    expect(moved.updateOAuthProvider).toMatchObject({ tokenUrl: 'https://idp.example/v2/token' });
  });

  it('should refuse at call time a name that resolved public at validation and private since, before connecting', async () => {
    const endpoint = await startEndpoint();
    try {
      resolver.answers['rebind.example'] = ['93.184.216.34'];
      const input = { ...publicInput(), tokenUrl: `http://rebind.example:${endpoint.port}/token`, revocationUrl: null };
      const provider = dataOf((await tessera.raw({ query: CREATE, variables: { input } })).body).createOAuthProvider as { id: string };
      for (const answer of ['10.0.0.5', '169.254.169.254']) {
        resolver.answers['rebind.example'] = [answer];
        resolver.asked.length = 0;
        const created = dataOf(
          await tessera.gql(CreateOAuthTokenDocument, { input: { name: `rebound ${answer}`, providerId: provider.id, flow: 'CLIENT_CREDENTIALS' } }),
        ).createOAuthToken;
        expect(created.token).toMatchObject({ requestStatus: 'FAILED' });
        expect(created.token.providerError).toContain('TESSERA_OUTBOUND_ALLOWED_HOSTS');
        expect(resolver.asked).toContain('rebind.example');
        const retried = dataOf(await tessera.gql(RetryOAuthTokenDocument, { id: created.token.id })).retryOAuthTokenRequest;
        expect(retried).toMatchObject({ requestStatus: 'FAILED' });
        const events = dataOf(await tessera.gql(TokenEventsHistoryDocument, { first: 10, filter: { tokenIds: [created.token.id] } })).tokenEvents.edges.map(
          (edge) => [edge.node.type, edge.node.reason],
        );
        expect(events).toEqual(
          expect.arrayContaining([
            ['CREATED', 'DESTINATION_NOT_ALLOWED'],
            ['REFRESH_FAILED', 'DESTINATION_NOT_ALLOWED'],
          ]),
        );
      }
      expect(endpoint.requests).toBe(0);
    } finally {
      await endpoint.close();
    }
  });
});

describe.each(BACKENDS)('provider answers and failures on %s', (backend) => {
  let tessera: TestInstance;
  let endpoint: Awaited<ReturnType<typeof startEndpoint>>;

  beforeAll(async () => {
    endpoint = await startEndpoint();
    // Only this endpoint's port: the same address on another port stays refused.
    tessera = await startTessera({ backend, env: { ...QUIET_JOB, TESSERA_OUTBOUND_ALLOWED_HOSTS: `127.0.0.1:${endpoint.port}` } });
  });

  afterAll(async () => {
    await tessera.close();
    await endpoint.close();
  });

  async function providers() {
    const listed = await tessera.raw({ query: PROVIDERS });
    return (listed.body.data as { oauthProviders: { edges: { node: Record<string, string> }[] } }).oauthProviders.edges.map((edge) => edge.node);
  }

  async function tokenFor(tokenUrl: string) {
    const input = {
      name: `p ${Math.random().toString(36).slice(2)}`,
      authorizeUrl: `${endpoint.url}/authorize`,
      tokenUrl,
      defaultConsumerKey: 'client',
      defaultConsumerSecret: 'client-secret-value',
    };
    const provider = dataOf((await tessera.raw({ query: CREATE, variables: { input } })).body).createOAuthProvider as { id: string };
    return dataOf(
      await tessera.gql(CreateOAuthTokenDocument, {
        input: { name: `t ${Math.random().toString(36).slice(2)}`, providerId: provider.id, flow: 'CLIENT_CREDENTIALS' },
      }),
    ).createOAuthToken.token;
  }

  it('should allow a listed host:port and refuse the same address on another port', async () => {
    endpoint.answer = (_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: 'granted-value', token_type: 'Bearer', expires_in: 60 }));
    expect(await tokenFor(`${endpoint.url}/token`)).toMatchObject({ requestStatus: 'ACTIVE', providerError: null });
    const other = await tessera.raw({
      query: CREATE,
      variables: {
        input: {
          name: 'other port',
          authorizeUrl: `${endpoint.url}/a`,
          tokenUrl: `http://127.0.0.1:${endpoint.port === 65535 ? 65534 : endpoint.port + 1}/token`,
          defaultConsumerKey: 'c',
          defaultConsumerSecret: 's',
        },
      },
    });
    expect(other.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.tokenUrl' });
  });

  it('should refuse moving the token URL while tokens of the provider hold secrets, even with the credentials again', async () => {
    endpoint.answer = (_req, res) =>
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ access_token: 'held-value', refresh_token: 'held-refresh', token_type: 'Bearer', expires_in: 60 }));
    const token = await tokenFor(`${endpoint.url}/token`);
    const moved = await tessera.raw({
      query: UPDATE,
      variables: { id: token.providerId, input: { tokenUrl: `${endpoint.url}/elsewhere`, defaultConsumerSecret: 'the-new-secret' } },
    });
    expect(moved.body.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'TOKENS_HOLD_SECRETS' });
    expect((await providers()).find((provider) => provider.id === token.providerId)).toMatchObject({ tokenUrl: `${endpoint.url}/token` });
  });

  it("should keep only the RFC 6749 error code and a sanitised, bounded description of a provider's error", async () => {
    const description = `"quoted" \\ back\u0000slash\r\nInjected: header <script>${'x'.repeat(5000)}`;
    endpoint.answer = (_req, res) =>
      res
        .writeHead(400, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: 'invalid_client', error_description: description, echoed: 'secret-looking-body' }));
    const failed = await tokenFor(`${endpoint.url}/token`);
    expect(failed.requestStatus).toBe('FAILED');
    const error = failed.providerError as string;
    expect(error.startsWith('invalid_client: ?quoted? ? back?slash??Injected: header <script>xxx')).toBe(true);
    expect(error.length).toBeLessThanOrEqual('invalid_client: '.length + 200 + 3);
    expect(error).not.toMatch(/["\\\u0000-\u001f]/);
    expect(error).not.toContain('secret-looking-body');

    endpoint.answer = (_req, res) =>
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: '<html> "not a code" </html>', error_description: 'whatever' }));
    expect((await tokenFor(`${endpoint.url}/token`)).providerError).toBe('The provider answered with an error that is not an OAuth error code.');
  });

  it('should not echo what a host that is no OAuth server answers, nor keep a token that is not one', async () => {
    endpoint.answer = (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>internal admin page: db-password=hunter2</html>');
    const html = await tokenFor(`${endpoint.url}/token`);
    expect(html.requestStatus).toBe('FAILED');
    expect(html.providerError).not.toContain('hunter2');

    endpoint.answer = (_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: 'line\nbreak\u0000<html>', token_type: 'Bearer' }));
    const odd = await tokenFor(`${endpoint.url}/token`);
    expect(odd).toMatchObject({ requestStatus: 'FAILED' });
    expect(odd.providerError).toContain('access_token is not printable ASCII');
    expect(odd.providerError).not.toContain('<html>');

    endpoint.answer = (_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: 'a'.repeat(20_000), token_type: 'Bearer' }));
    expect(await tokenFor(`${endpoint.url}/token`)).toMatchObject({ requestStatus: 'FAILED' });
  });

  it('should word every connection failure the same, naming no port or socket error', async () => {
    // Refused: a loopback port nothing listens on, allowed for this test by a second instance's list.
    const closed = await startEndpoint();
    const port = closed.port;
    await closed.close();
    const other = await startTessera({ backend, env: { ...QUIET_JOB, TESSERA_OUTBOUND_ALLOWED_HOSTS: '127.0.0.1' } });
    try {
      const input = {
        name: 'closed port',
        authorizeUrl: `http://127.0.0.1:${port}/a`,
        tokenUrl: `http://127.0.0.1:${port}/token`,
        defaultConsumerKey: 'c',
        defaultConsumerSecret: 's',
      };
      const provider = dataOf((await other.raw({ query: CREATE, variables: { input } })).body).createOAuthProvider as { id: string };
      const token = dataOf(await other.gql(CreateOAuthTokenDocument, { input: { name: 'refused', providerId: provider.id, flow: 'CLIENT_CREDENTIALS' } }))
        .createOAuthToken.token;
      expect(token.providerError).toBe('The provider could not be reached.');
    } finally {
      await other.close();
    }
  });
});
