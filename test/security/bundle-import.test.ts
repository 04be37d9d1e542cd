import { generateKeyPairSync } from 'node:crypto';
import {
  CreateOAuthProviderDocument,
  CreateOAuthTokenDocument,
  ExportOAuthBundleDocument,
  ImportOAuthBundleDocument,
  OAuthAccessTokenDocument,
  OAuthProvidersDocument,
  OAuthTokensDocument,
  ViewerDocument,
} from '../generated/graphql';
import { sealBundle } from '../../src/modules/oauth/oauth-bundle';
import { BACKENDS, dataOf, errorCodeOf, startTessera, type GraphQLResponse, type TestInstance } from '../harness/tessera';

/**
 * Bundle import takes nothing a create mutation would refuse. A bundle is sealed with a passphrase
 * the importer knows, so its content is as untrusted as any request: these bundles are forged by
 * sealing JSON directly. No item is ever sent to a provider (nothing here leaves loopback).
 */

const PASSPHRASE = 'a passphrase for forged bundles';
const BASE = 'http://127.0.0.1:9';

function provider(id: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    name: `provider ${id}`,
    authorizeUrl: `${BASE}/authorize`,
    tokenUrl: `${BASE}/token`,
    revocationUrl: null,
    defaultConsumerKey: 'client',
    defaultConsumerSecret: 'client-secret',
    privateKeyJwt: null,
    ...extra,
  };
}

function token(name: string, providerId: string, extra: Record<string, unknown> = {}) {
  return {
    name,
    providerId,
    flow: 'CLIENT_CREDENTIALS',
    status: 'ACTIVE',
    useDefaultKeys: true,
    consumerKey: null,
    consumerSecret: null,
    credentials: null,
    resource: null,
    scope: 'read',
    additionalValues: [],
    accessToken: `access-${name}`,
    refreshToken: null,
    tokenType: 'bearer',
    grantedScope: 'read',
    providerError: null,
    expiresAt: null,
    ...extra,
  };
}

/** The create input a bundle provider item corresponds to (the item without its bundle id). */
function providerInput(item: ReturnType<typeof provider>) {
  const { id: _id, ...input } = item;
  return input;
}

const problemOf = (response: GraphQLResponse<unknown>) => ({ code: errorCodeOf(response), field: response.errors?.[0]?.extensions?.field ?? null });

describe.each(BACKENDS)('OAuth bundle import on %s', (backend) => {
  let tessera: TestInstance;

  beforeAll(async () => {
    tessera = await startTessera({ backend });
  });

  afterAll(async () => {
    await tessera.close();
  });

  async function importBundle(instance: TestInstance, content: unknown, onConflict: 'SKIP' | 'RENAME' | 'REPLACE' = 'SKIP') {
    return instance.gql(ImportOAuthBundleDocument, { bundle: await sealBundle(content, PASSPHRASE), passphrase: PASSPHRASE, onConflict });
  }

  async function counts(instance: TestInstance) {
    const providers = dataOf(await instance.gql(OAuthProvidersDocument, {})).oauthProviders.totalCount;
    const tokens = dataOf(await instance.gql(OAuthTokensDocument, {})).oauthTokens.totalCount;
    return { providers, tokens };
  }

  it('should refuse each invalid item with the code and field of its create mutation, import the valid ones, and keep listing', async () => {
    const before = await counts(tessera);
    const badProviders = {
      fileUrl: provider('file', { name: 'file url', tokenUrl: 'file:///etc/passwd' }),
      javascriptUrl: provider('js', { name: 'javascript url', authorizeUrl: 'javascript:alert(1)' }),
      // Never connected to: refused at validation, as createOAuthProvider refuses it (outbound rules).
      metadataUrl: provider('meta', { name: 'metadata url', tokenUrl: 'http://169.254.169.254/latest/meta-data' }),
      longName: provider('long', { name: 'x'.repeat(10_000) }),
      controlName: provider('ctrl', { name: 'bell\u0007name' }),
      badKey: provider('key', { name: 'bad key', privateKeyJwt: { privateKeyPem: 'not a key', keyId: 'k1', algorithm: 'RS256' } }),
    };
    const good = provider('good', { name: 'good provider' });
    const imported = dataOf(
      await importBundle(tessera, {
        providers: [good, ...Object.values(badProviders)],
        tokens: [
          token('good token', 'good'),
          token('bad flow', 'good', { flow: 'BOGUS' }),
          token('bad status', 'good', { status: 'PWNED' }),
          token('y'.repeat(10_000), 'good'),
          token('nul\u0000name', 'good'),
          token('no password', 'good', { flow: 'PASSWORD' }),
          token('no own keys', 'good', { useDefaultKeys: false }),
          token('bad url provider', 'file'),
          token('bad values', 'good', { additionalValues: [{ name: 'has space', value: 'v' }] }),
          token('bad expiry', 'good', { expiresAt: 'tomorrow' }),
        ],
      }),
    ).importOAuthBundle.items;

    const byName = (name: string) => imported.find((item) => item.name === name || item.name.startsWith(name.slice(0, 50)));
    expect(byName('good provider')).toMatchObject({ outcome: 'CREATED', problem: null });
    expect(byName('good token')).toMatchObject({ outcome: 'CREATED', problem: null });
    expect(imported.filter((item) => item.outcome === 'INVALID')).toHaveLength(imported.length - 2);
    for (const item of imported.filter((one) => one.outcome === 'INVALID'))
      expect(item).toMatchObject({ id: null, problem: { code: 'BAD_USER_INPUT', field: expect.stringMatching(/^input\./) } });

    // Each provider refused exactly as createOAuthProvider refuses the same input.
    for (const bad of Object.values(badProviders)) {
      const created = await tessera.gql(CreateOAuthProviderDocument, { input: providerInput(bad) as never });
      expect(byName(bad.name)?.problem).toMatchObject(problemOf(created));
    }
    expect(byName('file url')?.problem?.field).toBe('input.tokenUrl');
    expect(byName('javascript url')?.problem?.field).toBe('input.authorizeUrl');
    expect(byName('metadata url')?.problem?.field).toBe('input.tokenUrl');
    expect(byName('bell')?.problem?.field).toBe('input.name');
    expect(byName('bad key')?.problem?.field).toBe('input.privateKeyJwt.privateKeyPem');

    // Each token refused exactly as createOAuthToken refuses the same input (all refused before any provider call).
    const providerId = byName('good provider')?.id as string;
    const tokenCases: [string, Record<string, unknown>, string][] = [
      ['y'.repeat(10_000), { name: 'y'.repeat(10_000), flow: 'CLIENT_CREDENTIALS' }, 'input.name'],
      ['nul', { name: 'nul\u0000name', flow: 'CLIENT_CREDENTIALS' }, 'input.name'],
      ['no password', { name: 'no password', flow: 'PASSWORD' }, 'input.username'],
      ['no own keys', { name: 'no own keys', flow: 'CLIENT_CREDENTIALS', useDefaultKeys: false }, 'input.consumerKey'],
      [
        'bad values',
        { name: 'bad values', flow: 'CLIENT_CREDENTIALS', additionalValues: [{ name: 'has space', value: 'v' }] },
        'input.additionalValues.0.name',
      ],
    ];
    for (const [name, input, field] of tokenCases) {
      const created = await tessera.gql(CreateOAuthTokenDocument, { input: { providerId, ...input } as never });
      expect(problemOf(created)).toEqual({ code: 'BAD_USER_INPUT', field });
      expect(byName(name)?.problem).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    // An enum value GraphQL would not coerce: the same code as the mutation, the field named.
    const badFlow = await tessera.gql(CreateOAuthTokenDocument, { input: { providerId, name: 'bad flow', flow: 'BOGUS' } as never });
    expect(errorCodeOf(badFlow)).toBe('BAD_USER_INPUT');
    expect(byName('bad flow')?.problem).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.flow' });
    expect(byName('bad status')?.problem).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.status' });
    expect(byName('bad expiry')?.problem).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.expiresAt' });
    expect(byName('bad url provider')?.problem).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.providerId' });
    // No message echoes the offending value.
    expect(JSON.stringify(imported.map((item) => item.problem?.message))).not.toMatch(/passwd|alert|BOGUS|PWNED/);

    // Nothing of the refused items was written, and both lists still answer.
    expect(await counts(tessera)).toEqual({ providers: before.providers + 1, tokens: before.tokens + 1 });
    const listed = dataOf(await tessera.gql(OAuthTokensDocument, {})).oauthTokens.edges.map((edge) => edge.node.name);
    expect(listed).toContain('good token');
  });

  it('should refuse a bundle over the item cap or the size cap whole, writing nothing', async () => {
    const before = await counts(tessera);
    const tooMany = await importBundle(tessera, { providers: Array.from({ length: 1001 }, (_, i) => provider(`cap${i}`)), tokens: [] });
    expect(problemOf(tooMany)).toEqual({ code: 'BAD_USER_INPUT', field: 'bundle' });
    expect(tooMany.errors?.[0]?.message).toContain('1,000');
    const mixed = await importBundle(tessera, { providers: [provider('one')], tokens: Array.from({ length: 1000 }, (_, i) => token(`cap token ${i}`, 'one')) });
    expect(problemOf(mixed)).toEqual({ code: 'BAD_USER_INPUT', field: 'bundle' });

    // Past the service's own cap, still inside the HTTP body limit (sized for it): refused by the service.
    const huge = await tessera.gql(ImportOAuthBundleDocument, { bundle: `tob1.${'A'.repeat(1_000_001)}`, passphrase: PASSPHRASE, onConflict: 'SKIP' });
    expect(problemOf(huge)).toEqual({ code: 'BAD_USER_INPUT', field: 'bundle' });
    expect(huge.errors?.[0]?.message).toContain('1,000,000');
    expect(await counts(tessera)).toEqual(before);
  });

  it('should round-trip a valid bundle: export from one tenant, import into another', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const source = await startTessera({ backend, clock: tessera.clock });
    const target = await startTessera({ backend, clock: tessera.clock });
    try {
      const seeded = dataOf(
        await importBundle(source, {
          providers: [
            provider('a', { name: 'alpha', revocationUrl: `${BASE}/revoke` }),
            provider('b', { name: 'beta', privateKeyJwt: { privateKeyPem: pem, keyId: 'k1', algorithm: 'RS256' } }),
          ],
          tokens: [
            token('cc', 'a', {
              additionalValues: [{ name: 'audience', value: 'api' }],
              refreshToken: 'refresh-cc',
              expiresAt: new Date(tessera.clock.now().getTime() + 3_600_000).toISOString(),
            }),
            token('pw', 'a', {
              flow: 'PASSWORD',
              credentials: JSON.stringify({ username: 'u', password: 'p' }),
              status: 'FAILED',
              accessToken: null,
              providerError: 'invalid_grant: nope',
            }),
            token('own', 'a', {
              useDefaultKeys: false,
              consumerKey: 'own-client',
              consumerSecret: 'own-secret',
              flow: 'AUTHORIZATION_CODE',
              status: 'EXPIRED',
              accessToken: null,
            }),
            token('jwt', 'b'),
          ],
        }),
      ).importOAuthBundle.items;
      expect(seeded.map((item) => item.outcome)).toEqual(['CREATED', 'CREATED', 'CREATED', 'CREATED', 'CREATED', 'CREATED']);

      const exported = dataOf(await source.gql(ExportOAuthBundleDocument, { passphrase: PASSPHRASE })).exportOAuthBundle;
      expect(exported).toMatchObject({ providerCount: 2, tokenCount: 4 });
      const items = dataOf(await target.gql(ImportOAuthBundleDocument, { bundle: exported.bundle, passphrase: PASSPHRASE, onConflict: 'SKIP' }))
        .importOAuthBundle.items;
      expect(items.map((item) => [item.type, item.name, item.outcome])).toEqual([
        ['provider', 'alpha', 'CREATED'],
        ['provider', 'beta', 'CREATED'],
        ['token', 'cc', 'CREATED'],
        ['token', 'pw', 'CREATED'],
        ['token', 'own', 'CREATED'],
        ['token', 'jwt', 'CREATED'],
      ]);
      const shape = async (instance: TestInstance) =>
        dataOf(await instance.gql(OAuthTokensDocument, {}))
          .oauthTokens.edges.map(({ node }) => ({ ...node, id: undefined, providerId: undefined, start: undefined, createdAt: undefined }))
          .sort((x, y) => x.name.localeCompare(y.name));
      expect(await shape(target)).toEqual(await shape(source));
      const cc = items.find((item) => item.name === 'cc')?.id as string;
      expect(dataOf(await target.gql(OAuthAccessTokenDocument, { id: cc })).oauthAccessToken.accessToken).toBe('access-cc');

      // Imported again with RENAME: the copies keep to the 100-character name rule.
      const long = 'z'.repeat(100);
      dataOf(await importBundle(target, { providers: [provider('l', { name: long })], tokens: [] }));
      const renamed = dataOf(await importBundle(target, { providers: [provider('l', { name: long })], tokens: [] }, 'RENAME')).importOAuthBundle.items;
      expect(renamed[0]).toMatchObject({ outcome: 'RENAMED', importedName: `${'z'.repeat(96)} (2)` });
    } finally {
      await source.close();
      await target.close();
    }
  });

  it('should answer other requests while a large bundle imports', async () => {
    const size = 999;
    const instance = await startTessera({ backend, clock: tessera.clock });
    try {
      const bundle = await sealBundle({ providers: [provider('big')], tokens: Array.from({ length: size }, (_, i) => token(`bulk ${i}`, 'big')) }, PASSPHRASE);
      let finished = false;
      const importing = instance.gql(ImportOAuthBundleDocument, { bundle, passphrase: PASSPHRASE, onConflict: 'SKIP' }).then((response) => {
        finished = true;
        return response;
      });
      // A listing that sees some but not all of the bundle was answered while the import ran.
      let answeredMidway = false;
      while (!finished && !answeredMidway) {
        const listed = dataOf(await instance.gql(OAuthTokensDocument, {})).oauthTokens.totalCount;
        if (listed > 0 && listed < size) {
          dataOf(await instance.gql(ViewerDocument, {}));
          answeredMidway = true;
        }
      }
      const items = dataOf(await importing).importOAuthBundle.items;
      expect(answeredMidway).toBe(true);
      expect(items.filter((item) => item.outcome === 'CREATED')).toHaveLength(size + 1);
      expect(dataOf(await instance.gql(OAuthTokensDocument, {})).oauthTokens.totalCount).toBe(size);
    } finally {
      await instance.close();
    }
  });
});
