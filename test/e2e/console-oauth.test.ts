/**
 * End-to-end: the console's OAuth page in headless Chromium against a real Tessera and a real OAuth
 * 2.0 server on loopback (oauth2-mock-server), as the OAuth integration tests start it. Tessera
 * listens on a port chosen beforehand so that PUBLIC_URL, and so the provider's redirect after
 * approval, points at it. The screenshot goes where console.test.ts puts its own.
 */
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { OAuth2Server } from 'oauth2-mock-server';
import type { BrowserContext, Page } from 'playwright-core';
import { startTessera, type TestInstance } from '../harness/tessera';
import { graphql, openConsole, signIn, waitLive, type ConsoleBrowser } from './browser';

/** The background refresh timer stays out of the way, as in test/oauth.test.ts. */
const QUIET_JOB = { TESSERA_OAUTH_REFRESH_LEAD_MS: '300000', TESSERA_OAUTH_REFRESH_INTERVAL_MS: '86400000' };
const PASSPHRASE = 'correct horse battery staple';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('The console OAuth page', () => {
  let provider: OAuth2Server;
  let base: string;
  let tessera: TestInstance;
  let opened: ConsoleBrowser;
  let context: BrowserContext;
  let page: Page;

  const tokenRow = (name: string) => page.locator(`tr[data-token-name="${name}"]`);
  const tokenIdOf = async (name: string) => (await tokenRow(name).getAttribute('data-token-id')) as string;
  const accessTokenOf = async (id: string) =>
    (await graphql<{ oauthAccessToken: { accessToken: string } }>(tessera, 'query($id: ID!) { oauthAccessToken(id: $id) { accessToken } }', { id }))
      .oauthAccessToken.accessToken;
  const eventTypesOf = async (id: string) =>
    (
      await graphql<{ tokenEvents: { edges: { node: { type: string } }[] } }>(
        tessera,
        'query($ids: [ID!]) { tokenEvents(first: 100, filter: { tokenIds: $ids }) { edges { node { type } } } }',
        { ids: [id] },
      )
    ).tokenEvents.edges.map((edge) => edge.node.type);
  const outcome = (text: string) => page.locator('.outcome[role="status"]').getByText(text);

  beforeAll(async () => {
    provider = new OAuth2Server();
    await provider.issuer.keys.generate('RS256');
    await provider.start(0, '127.0.0.1');
    base = provider.issuer.url as string;
    const port = await freePort();
    tessera = await startTessera({ backend: 'sqlite', env: { ...QUIET_JOB, PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` } });
    opened = await openConsole(tessera);
    ({ context, page } = opened);
    await signIn(page, tessera.adminToken);
    await waitLive(page);
  });

  afterAll(async () => {
    await opened?.close();
    await tessera?.close();
    await provider?.stop().catch(() => undefined);
  });

  it('adds a provider through the page; its secret never comes back', async () => {
    await page.getByRole('link', { name: 'OAuth', exact: true }).click();
    await page.getByRole('heading', { name: 'OAuth providers and tokens', level: 1 }).waitFor();
    await page.getByText('No providers yet').waitFor();
    const form = page.getByRole('form', { name: 'Add an OAuth provider' });
    await form.getByLabel('Provider name').fill('Acme');
    await form.getByLabel('Authorization URL').fill(`${base}/authorize`);
    await form.getByLabel('Token URL').fill(`${base}/token`);
    await form.getByLabel('Revocation URL (optional)').fill(`${base}/revoke`);
    await form.getByLabel('Client ID', { exact: true }).fill('tessera-client');
    await form.getByLabel('Client secret', { exact: true }).fill('provider-secret-value');
    await form.getByRole('button', { name: 'Add provider' }).click();
    const row = page.getByRole('table', { name: 'OAuth providers' }).locator('tr', { hasText: 'Acme' });
    await row.getByText('Client credentials, Authorization code (browser), OpenID Connect (browser), Password (resource owner)').waitFor();
    await outcome('Provider “Acme” added').waitFor();
    expect(await form.getByLabel('Client secret', { exact: true }).inputValue()).toBe('');
    const listed = await graphql<{ oauthProviders: { edges: { node: { name: string; defaultConsumerKey: string; revocationUrl: string } }[] } }>(
      tessera,
      '{ oauthProviders { edges { node { name defaultConsumerKey revocationUrl } } } }',
    );
    expect(listed.oauthProviders.edges.map((edge) => edge.node)).toEqual([
      { name: 'Acme', defaultConsumerKey: 'tessera-client', revocationUrl: `${base}/revoke` },
    ]);
    expect(await page.content()).not.toContain('provider-secret-value');
  });

  it('edits a provider, sending only what changed', async () => {
    await page.getByRole('button', { name: 'Edit provider Acme' }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit provider “Acme”' });
    expect(await dialog.getByLabel('Token URL').inputValue()).toBe(`${base}/token`);
    await dialog.getByLabel('Client ID', { exact: true }).fill('tessera-console');
    const sent = page.waitForRequest((request) => request.method() === 'POST' && (request.postData() ?? '').includes('updateOAuthProvider'));
    await dialog.getByRole('button', { name: 'Save' }).click();
    expect((JSON.parse((await sent).postData() as string) as { variables: { input: unknown } }).variables.input).toEqual({
      defaultConsumerKey: 'tessera-console',
    });
    await outcome('Provider “Acme” saved').waitFor();
    await page.getByRole('table', { name: 'OAuth providers' }).locator('tr', { hasText: 'Acme' }).getByText('tessera-console').waitFor();
    const listed = await graphql<{ oauthProviders: { edges: { node: { defaultConsumerKey: string; revocationUrl: string; privateKeyJwt: unknown } }[] } }>(
      tessera,
      '{ oauthProviders { edges { node { defaultConsumerKey revocationUrl privateKeyJwt { keyId } } } } }',
    );
    expect(listed.oauthProviders.edges[0]!.node).toEqual({ defaultConsumerKey: 'tessera-console', revocationUrl: `${base}/revoke`, privateKeyJwt: null });
  });

  it('shows the fields of the chosen flow, and creates a client-credentials token that is active at once', async () => {
    const form = page.getByRole('form', { name: 'New OAuth token' });
    const flow = form.getByLabel('Flow', { exact: true });
    await flow.selectOption('PASSWORD');
    await form.getByLabel('Username').waitFor();
    await form.getByLabel('Password', { exact: true }).waitFor();
    await flow.selectOption('AUTHORIZATION_CODE');
    await form.getByRole('button', { name: 'Create and get the approval link' }).waitFor();
    expect(await form.getByLabel('Username').count()).toBe(0);
    await flow.selectOption('CLIENT_CREDENTIALS');
    const defaultKeys = form.getByLabel("Use the provider's client ID and secret");
    expect(await form.getByLabel('Own client ID').count()).toBe(0);
    await defaultKeys.uncheck();
    await form.getByLabel('Own client secret').waitFor();
    await defaultKeys.check();
    await form.getByLabel('Own client ID').waitFor({ state: 'detached' });

    let seen: Record<string, string> = {};
    let clientId = '';
    provider.service.once('beforeResponse', (_response, req) => {
      seen = req.body as Record<string, string>;
      const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
      clientId = basic ? decodeURIComponent(Buffer.from(basic[1]!, 'base64').toString().split(':')[0]!) : seen.client_id!;
    });
    await form.getByLabel('Token name').fill('crm sync');
    await form.getByLabel('Scope', { exact: true }).fill('read write');
    await form.getByLabel('Additional values (one name=value per line, optional)').fill('audience=crm');
    await form.getByRole('button', { name: 'Create and request token' }).click();
    await outcome('“crm sync” is active').waitFor();
    await tokenRow('crm sync').locator('[data-request-status="ACTIVE"]').waitFor();
    await tokenRow('crm sync').getByText('Acme').waitFor();
    // The provider was really asked, with what the form said and the edited client ID; the value reaches flows only through the API.
    expect(seen).toMatchObject({ grant_type: 'client_credentials', scope: 'read write', audience: 'crm' });
    expect(clientId).toBe('tessera-console');
    expect((await accessTokenOf(await tokenIdOf('crm sync'))).split('.')).toHaveLength(3);
    // The provider is reached over plain HTTP: the page says so.
    await page.locator('.outcome').getByText('plain HTTP').waitFor();
  });

  it("shows the provider's refusal on a failed request, and Retry obtains the token", async () => {
    provider.service.once('beforeResponse', (response) => {
      response.statusCode = 401;
      response.body = { error: 'invalid_client', error_description: 'unknown client' };
    });
    const form = page.getByRole('form', { name: 'New OAuth token' });
    await form.getByLabel('Token name').fill('flaky partner');
    await form.getByRole('button', { name: 'Create and request token' }).click();
    await outcome('the provider refused it: invalid_client: unknown client').waitFor();
    const row = tokenRow('flaky partner');
    await row.locator('[data-request-status="FAILED"]').getByRole('img', { name: 'Error' }).waitFor();
    await row.getByText('invalid_client: unknown client').waitFor();
    expect(await row.getByRole('button', { name: 'Refresh flaky partner' }).count()).toBe(0);
    await row.getByRole('button', { name: 'Retry flaky partner' }).click();
    await outcome('“flaky partner” was requested again').waitFor();
    await row.locator('[data-request-status="ACTIVE"]').waitFor();
  });

  it('shows the approval link of an authorization-code token, and the token turns active live once approved', async () => {
    const form = page.getByRole('form', { name: 'New OAuth token' });
    await form.getByLabel('Flow', { exact: true }).selectOption('AUTHORIZATION_CODE');
    await form.getByLabel('Token name').fill('mailbox');
    await form.getByLabel('Scope', { exact: true }).fill('mail');
    await form.getByRole('button', { name: 'Create and get the approval link' }).click();
    const dialog = page.getByRole('dialog', { name: 'Approve “mailbox” at the provider' });
    const link = dialog.getByRole('link', { name: 'Open the approval page' });
    const href = new URL((await link.getAttribute('href')) as string);
    expect(href.origin + href.pathname).toBe(`${base}/authorize`);
    expect(href.searchParams.get('code_challenge_method')).toBe('S256');
    expect(href.searchParams.get('redirect_uri')).toBe(`${tessera.url}/oauth/callback`);
    expect(await dialog.getByRole('textbox', { name: 'Approval link' }).inputValue()).toBe(href.toString());
    await tokenRow('mailbox').locator('[data-request-status="REQUESTED"]').waitFor();

    await page.evaluate('window.__notReloaded = true');
    // The provider approves at once and sends the browser back to Tessera's callback.
    const [approval] = await Promise.all([context.waitForEvent('page'), link.click()]);
    await approval.getByText('is ready').waitFor();
    await approval.close();
    await dialog.getByRole('button', { name: 'Close' }).click();
    await tokenRow('mailbox').locator('[data-request-status="ACTIVE"]').waitFor();
    await tokenRow('mailbox').getByRole('button', { name: 'Refresh mailbox' }).waitFor();
    expect(await page.evaluate('window.__notReloaded')).toBe(true);
  });

  it('refreshes a token, and renames it by keyboard alone', async () => {
    const id = await tokenIdOf('crm sync');
    const before = await accessTokenOf(id);
    tessera.clock.advance(60_000);
    // The mock provider's tokens are JWTs stamped to the second (no jti): let the next one differ.
    await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 10));
    await tokenRow('crm sync').getByRole('button', { name: 'Refresh crm sync' }).click();
    await outcome('“crm sync” was refreshed').waitFor();
    expect(await eventTypesOf(id)).toEqual(['CREATED', 'REFRESHED']);
    expect(await accessTokenOf(id)).not.toBe(before);

    // By keyboard alone: Escape cancels, Enter opens and submits, the name field has the focus.
    await tokenRow('crm sync').getByRole('button', { name: 'Rename crm sync' }).focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Rename “crm sync”' });
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await tokenRow('crm sync').getByRole('button', { name: 'Rename crm sync' }).focus();
    await page.keyboard.press('Enter');
    expect(await dialog.getByLabel('New name').evaluate((input) => input === input.ownerDocument.activeElement)).toBe(true);
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type('crm nightly sync');
    await page.keyboard.press('Enter');
    await outcome('“crm sync” is now “crm nightly sync”').waitFor();
    expect(await tokenIdOf('crm nightly sync')).toBe(id);
    expect(await tokenRow('crm sync').count()).toBe(0);
  });

  it('resets a client-credentials token: revoked at the provider, then issued anew with the new scope', async () => {
    const id = await tokenIdOf('crm nightly sync');
    const old = await accessTokenOf(id);
    // The mock parses no body on its revocation endpoint: read the form from the request stream.
    const revoked = new Promise<URLSearchParams>((resolve) => {
      provider.service.once('beforeRevoke', (_response, req) => {
        let raw = '';
        req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
        req.on('end', () => resolve(new URLSearchParams(raw)));
      });
    });
    await tokenRow('crm nightly sync').getByRole('button', { name: 'Reset crm nightly sync' }).click();
    const dialog = page.getByRole('alertdialog', { name: 'Reset “crm nightly sync”?' });
    await dialog.getByText('anything still holding the old value fails at once').waitFor();
    // Every reset input is offered, prefilled, and the dialog says how to clear one.
    await dialog.getByText('empty it to clear it').waitFor();
    await dialog.getByLabel('Resource').waitFor();
    await dialog.getByLabel('Additional values (one name=value per line)').fill('audience=crm');
    await dialog.getByLabel('Scope (space-separated)').fill('read');
    await dialog.getByRole('button', { name: 'Reset', exact: true }).click();
    await outcome('“crm nightly sync” was reset').waitFor();
    expect((await revoked).get('token')).toBe(old);
    expect(await accessTokenOf(id)).not.toBe(old);
    await tokenRow('crm nightly sync').getByText('scope: read', { exact: true }).waitFor();
  });

  it('shows a token created and then deleted through the API, without reload', async () => {
    await page.evaluate('window.__notReloaded = true');
    const providerId = (await graphql<{ oauthProviders: { edges: { node: { id: string } }[] } }>(tessera, '{ oauthProviders { edges { node { id } } } }'))
      .oauthProviders.edges[0]!.node.id;
    const created = await graphql<{ createOAuthToken: { token: { id: string } } }>(
      tessera,
      'mutation($providerId: ID!) { createOAuthToken(input: { name: "made elsewhere", providerId: $providerId, flow: CLIENT_CREDENTIALS }) { token { id } } }',
      { providerId },
    );
    const id = created.createOAuthToken.token.id;
    await tokenRow('made elsewhere').locator('[data-request-status="ACTIVE"]').waitFor();
    await graphql(tessera, 'mutation($id: ID!) { deleteOAuthToken(id: $id) { id } }', { id });
    await tokenRow('made elsewhere').waitFor({ state: 'detached' });
    await page.locator(`.notices [data-event-type="DELETED"][data-token-id="${id}"]`).getByText('OAuth token “made elsewhere” was deleted').waitFor();
    expect(await page.evaluate('window.__notReloaded')).toBe(true);
  });

  it('refuses to delete a provider that tokens use, naming them', async () => {
    await page.getByRole('button', { name: 'Delete provider Acme' }).click();
    const confirm = page.getByRole('alertdialog', { name: 'Delete provider “Acme”?' });
    await confirm.getByText('no token can be requested from it any more').waitFor();
    await confirm.getByRole('button', { name: 'Delete provider' }).click();
    const error = page.getByRole('alert').filter({ hasText: '“Acme” was not deleted: 3 token(s) still use it' });
    await error.waitFor();
    expect(await error.textContent()).toContain('“crm nightly sync”');
    await page.getByRole('table', { name: 'OAuth providers' }).locator('tr', { hasText: 'Acme' }).waitFor();
  });

  it('deletes a token after a confirmation saying it is revoked at the provider first; when the provider refuses, deletes it only when asked again', async () => {
    let revocations = 0;
    provider.service.on('beforeRevoke', (response: { statusCode: number }) => {
      revocations += 1;
      response.statusCode = 503;
    });
    try {
      await tokenRow('flaky partner').getByRole('button', { name: 'Delete flaky partner' }).click();
      const confirm = page.getByRole('alertdialog', { name: 'Delete “flaky partner”?' });
      await confirm.getByText('first revokes its refresh and access tokens at the provider').waitFor();
      await confirm.getByText('flows using it will fail').waitFor();
      await confirm.getByRole('button', { name: 'Delete', exact: true }).click();
      // The provider refused: nothing was deleted, and the page asks before deleting without revoking.
      const refused = page.getByRole('alertdialog', { name: 'The provider did not revoke “flaky partner”' });
      await refused.getByText('the grant may stay valid at the provider').waitFor();
      expect(revocations).toBeGreaterThan(0);
      await tokenRow('flaky partner').waitFor();
      const asked = revocations;
      await refused.getByRole('button', { name: 'Delete without revoking' }).click();
      await tokenRow('flaky partner').waitFor({ state: 'detached' });
      await outcome('“flaky partner” deleted; it was not revoked at the provider').waitFor();
      expect(revocations).toBe(asked);
    } finally {
      provider.service.removeAllListeners('beforeRevoke');
    }
  });

  it('exports a bundle, refuses it with a wrong passphrase, and imports it item by item', async () => {
    const exporting = page.getByRole('form', { name: 'Export a bundle' });
    await exporting.getByLabel('Passphrase').fill(PASSPHRASE);
    await exporting.getByRole('button', { name: 'Export bundle' }).click();
    const dialog = page.getByRole('alertdialog', { name: 'Bundle exported' });
    await dialog.getByText('1 provider(s) and 2 token(s)').waitFor();
    const bundle = ((await dialog.getByTestId('one-time-secret').textContent()) ?? '').trim();
    expect(bundle).toMatch(/^tob1\./);
    const [download] = await Promise.all([page.waitForEvent('download'), dialog.getByRole('link', { name: 'Download the bundle' }).click()]);
    expect(download.suggestedFilename()).toBe('tessera-oauth-bundle.txt');
    expect(readFileSync(await download.path(), 'utf8')).toBe(bundle);
    await dialog.getByRole('button', { name: 'I have copied it' }).click();

    const importing = page.getByRole('form', { name: 'Import a bundle' });
    await importing.getByLabel('Bundle').fill(bundle);
    await importing.getByLabel('Passphrase').fill('not the passphrase');
    await importing.getByRole('button', { name: 'Import bundle' }).click();
    await importing.getByRole('alert').filter({ hasText: 'wrong passphrase' }).waitFor();

    await importing.getByLabel('Passphrase').fill(PASSPHRASE);
    await importing.getByLabel('When a name is taken').selectOption('RENAME');
    await importing.getByRole('button', { name: 'Import bundle' }).click();
    await page.getByRole('status').filter({ hasText: 'Imported: 3 of 3 item(s); 0 skipped.' }).waitFor();
    const results = page.getByRole('table', { name: 'Import results' });
    await results.waitFor();
    const rows: string[][] = [];
    for (const tr of await results.locator('tbody tr').all()) rows.push(await tr.locator('td').allTextContents());
    expect(rows).toEqual(
      expect.arrayContaining([
        ['Provider', 'Acme', 'Acme (2)', 'Renamed'],
        ['Token', 'crm nightly sync', 'crm nightly sync (2)', 'Renamed'],
        ['Token', 'mailbox', 'mailbox (2)', 'Renamed'],
      ]),
    );
    expect(rows).toHaveLength(3);
    // The copy works: it holds the same access token as the original.
    await tokenRow('crm nightly sync (2)').locator('[data-request-status="ACTIVE"]').waitFor();
    expect(await accessTokenOf(await tokenIdOf('crm nightly sync (2)'))).toBe(await accessTokenOf(await tokenIdOf('crm nightly sync')));
    await tokenRow('crm nightly sync (2)').getByText('Acme (2)').waitFor();

    // For the picture, every state at once: a refused request and one waiting for approval too, made through the API.
    const providerId = (
      await graphql<{ oauthProviders: { edges: { node: { id: string; name: string } }[] } }>(tessera, '{ oauthProviders { edges { node { id name } } } }')
    ).oauthProviders.edges.find((edge) => edge.node.name === 'Acme')!.node.id;
    provider.service.once('beforeResponse', (response) => {
      response.statusCode = 400;
      response.body = { error: 'invalid_scope', error_description: 'billing:write is not granted to this client' };
    });
    const create = 'mutation($input: CreateOAuthTokenInput!) { createOAuthToken(input: $input) { token { id } } }';
    await graphql(tessera, create, { input: { name: 'billing export', providerId, flow: 'CLIENT_CREDENTIALS', scope: 'billing:write' } });
    await graphql(tessera, create, { input: { name: 'team calendar', providerId, flow: 'AUTHORIZATION_CODE', scope: 'calendar' } });
    await tokenRow('billing export').locator('[data-request-status="FAILED"]').getByRole('img', { name: 'Error' }).waitFor();
    await tokenRow('team calendar').locator('[data-request-status="REQUESTED"]').waitFor();
    await page.getByRole('table', { name: 'OAuth tokens' }).evaluate((table) => table.scrollIntoView({ block: 'start' }));
    await page.evaluate('window.scrollBy(0, -12)');
    await opened.shot('oauth-tokens');
  });

  it('fits a phone screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('heading', { name: 'OAuth providers and tokens', level: 1 }).waitFor();
    const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await page.setViewportSize({ width: 1280, height: 820 });
  });
});
