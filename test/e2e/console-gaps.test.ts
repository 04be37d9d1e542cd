/**
 * End-to-end (issue 19): the console against the seeds — workflow token actions confirmed and in
 * the API endpoints dialog (seed 000), the success mark (001), endpoint tokens on a page of their
 * own with their settings, and endpoint security editable after creation (002), the OAuth token
 * id, every reset input and the HTTPS warning before the request (004), and a phone's width.
 */
import type { Browser, Page } from 'playwright-core';
import { OAuth2Server } from 'oauth2-mock-server';
import { eventually, startTessera, type TestInstance } from '../harness/tessera';
import { graphql, openConsole, signIn, waitLive } from './browser';

describe('The console against the seeds', () => {
  let tessera: TestInstance;
  let browser: Browser;
  let page: Page;
  let provider: OAuth2Server;

  beforeAll(async () => {
    provider = new OAuth2Server();
    await provider.issuer.keys.generate('RS256');
    await provider.start(0, '127.0.0.1');
    tessera = await startTessera({ backend: 'sqlite', env: { TESSERA_OUTBOUND_ALLOWED_HOSTS: '127.0.0.1' } });
    ({ browser, page } = await openConsole(tessera));
    await signIn(page, tessera.adminToken);
    await waitLive(page);
  });

  afterAll(async () => {
    await browser?.close();
    await tessera?.close();
    await provider?.stop();
  });

  const eventTypes = async (tokenId: string) =>
    (
      await graphql<{ tokenEvents: { edges: { node: { type: string } }[] } }>(
        tessera,
        'query($ids: [ID!]) { tokenEvents(first: 100, filter: { tokenIds: $ids }) { edges { node { type } } } }',
        { ids: [tokenId] },
      )
    ).tokenEvents.edges.map((edge) => edge.node.type);

  it('asks before refreshing a workflow token, and offers its actions next to the Token field', async () => {
    const published = await graphql<{ publishWorkflow: { token: { id: string } } }>(
      tessera,
      'mutation { publishWorkflow(input: { name: "intake", startEvent: COMPONENT }) { token { id } } }',
    );
    const tokenId = published.publishWorkflow.token.id;
    await page.goto(`${tessera.url}/console/#/workflows`);
    await page.getByRole('button', { name: 'Refresh intake' }).click();
    const ask = page.getByRole('alertdialog', { name: 'Refresh the token of “intake”?' });
    await ask.getByRole('button', { name: 'Cancel' }).click();
    expect(await eventTypes(tokenId)).toEqual(['CREATED']);

    await page.getByRole('button', { name: 'API endpoints of intake' }).click();
    const dialog = page.getByRole('dialog', { name: 'API endpoints of “intake”' });
    await dialog.getByText('Token actions').click();
    await dialog.getByRole('menuitem', { name: 'Refresh' }).click();
    await page.getByRole('alertdialog', { name: 'Refresh the token of “intake”?' }).getByRole('button', { name: 'Refresh' }).click();
    await eventually(async () => ((await eventTypes(tokenId)).includes('REFRESHED') ? true : undefined));
    await dialog.getByRole('button', { name: 'Close' }).click();
  });

  it('marks a new app with a brief success mark', async () => {
    await page.goto(`${tessera.url}/console/#/apps`);
    await page.getByRole('form', { name: 'New app' }).getByLabel('Name', { exact: true }).fill('reporting');
    await page
      .getByRole('form', { name: 'New app' })
      .getByRole('button', { name: /Add app|Create/ })
      .click();
    const dialog = page.getByRole('alertdialog', { name: 'App “reporting” added' });
    await dialog.getByTestId('success-mark').getByText('Added').waitFor();
    await dialog.getByRole('button', { name: 'I have copied it' }).click();
  });

  it('keeps endpoint tokens on a page of their own, made switched off, with settings, value and activation', async () => {
    await page.goto(`${tessera.url}/console/#/endpoint-tokens`);
    await page.getByRole('button', { name: 'New endpoint token' }).click();
    const create = page.getByRole('dialog', { name: 'New endpoint token' });
    await create.getByLabel('Name', { exact: true }).fill('billing');
    await create.getByLabel('Description').fill('talks to shipments');
    await create.getByLabel(/Enabled/).uncheck();
    await create.getByRole('button', { name: 'Create token' }).click();
    const made = page.getByRole('alertdialog', { name: 'Endpoint token “billing” created' });
    await made.getByTestId('success-mark').waitFor();
    const first = ((await made.getByTestId('one-time-secret').textContent()) ?? '').trim();
    await made.getByRole('button', { name: 'I have copied it' }).click();

    const row = page.locator('tr', { hasText: 'billing' });
    await row.getByText('talks to shipments').waitFor();
    expect(await row.getByRole('switch', { name: 'billing enabled' }).isChecked()).toBe(false);

    await row.getByRole('button', { name: 'Token settings of billing' }).click();
    const settings = page.getByRole('dialog', { name: 'Token settings of “billing”' });
    await settings.getByRole('button', { name: 'Reveal the value (audited)' }).click();
    expect(await settings.getByLabel('Value', { exact: true }).inputValue()).toBe(first);
    await settings.getByRole('button', { name: 'Rotate the value' }).click();
    await page.getByRole('alertdialog', { name: 'Rotate “billing”?' }).getByRole('button', { name: 'Rotate' }).click();
    await eventually(async () => ((await settings.getByLabel('Value', { exact: true }).inputValue()) !== first ? true : undefined));
    await settings.getByLabel('Name', { exact: true }).fill('billing-v2');
    await settings.getByRole('button', { name: 'Save' }).click();
    const renamed = page.locator('tr', { hasText: 'billing-v2' });
    await renamed.waitFor();

    await renamed.getByRole('button', { name: 'Deactivate billing-v2' }).click();
    await page.getByRole('alertdialog', { name: 'Deactivate “billing-v2”?' }).getByRole('button', { name: 'Deactivate' }).click();
    await renamed.waitFor({ state: 'detached' });
    await page.getByRole('group', { name: 'Which tokens' }).getByRole('button', { name: 'Inactive' }).click();
    await page.locator('tr', { hasText: 'billing-v2' }).getByRole('button', { name: 'Activate billing-v2' }).waitFor();
  });

  it("edits an endpoint's security after creation, and a NONE endpoint shows no tokens", async () => {
    const created = await graphql<{ createEndpoint: { endpoint: { id: string } } }>(
      tessera,
      'mutation { createEndpoint(input: { name: "shipments", path: "shipments-gaps", authentication: TOKEN, allowDelete: true }) { endpoint { id } } }',
    );
    const id = created.createEndpoint.endpoint.id;
    await page.goto(`${tessera.url}/console/#/endpoints/${id}`);
    await page.getByRole('heading', { name: 'Primary tokens' }).waitFor();
    await page.getByLabel('Authentication').selectOption('NONE');
    await page.getByRole('button', { name: 'Save security settings' }).click();
    await page.getByRole('alertdialog', { name: 'Change the security settings?' }).getByRole('button', { name: 'Change' }).click();
    await page.getByText('This endpoint accepts any call: it has no tokens.').waitFor();
    expect(await page.getByRole('heading', { name: 'Primary tokens' }).count()).toBe(0);
    expect(await page.getByRole('heading', { name: 'Secondary tokens' }).count()).toBe(0);
    const after = await graphql<{ endpoint: { authentication: string } }>(tessera, 'query($id: ID!) { endpoint(id: $id) { authentication } }', { id });
    expect(after.endpoint.authentication).toBe('NONE');
  });

  it('shows an OAuth token’s id, the redirect URI with the HTTPS warning before the request, and every reset input', async () => {
    const base = provider.issuer.url as string;
    const made = await graphql<{ createOAuthProvider: { id: string } }>(
      tessera,
      'mutation($input: CreateOAuthProviderInput!) { createOAuthProvider(input: $input) { id } }',
      { input: { name: 'crm', authorizeUrl: `${base}/authorize`, tokenUrl: `${base}/token`, defaultConsumerKey: 'k', defaultConsumerSecret: 'crm-secret' } },
    );
    const token = await graphql<{ createOAuthToken: { token: { id: string } } }>(
      tessera,
      'mutation($input: CreateOAuthTokenInput!) { createOAuthToken(input: $input) { token { id } } }',
      { input: { name: 'crm sync', providerId: made.createOAuthProvider.id, flow: 'CLIENT_CREDENTIALS' } },
    );
    await page.goto(`${tessera.url}/console/#/oauth`);
    const row = page.locator('tr', { hasText: 'crm sync' });
    await row.getByText(token.createOAuthToken.token.id).waitFor();
    await row.getByRole('button', { name: 'Copy the id of crm sync' }).click();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(token.createOAuthToken.token.id);

    const form = page.getByRole('form', { name: 'New OAuth token' });
    await form.getByLabel('Flow').selectOption('AUTHORIZATION_CODE');
    const { oauthCallbackUrl } = await graphql<{ oauthCallbackUrl: string }>(tessera, '{ oauthCallbackUrl }');
    expect(oauthCallbackUrl).toMatch(/^http:\/\/.*\/oauth\/callback$/);
    expect(await form.getByLabel('Redirect URI to register at the provider', { exact: true }).inputValue()).toBe(oauthCallbackUrl);
    await form.getByTestId('https-warning').getByText('PUBLIC_URL is not HTTPS').waitFor();

    await row.getByRole('button', { name: 'Reset crm sync' }).click();
    const reset = page.getByRole('alertdialog', { name: 'Reset “crm sync”?' });
    for (const label of ['Scope (space-separated)', 'Resource', 'Additional values (one name=value per line)']) await reset.getByLabel(label).waitFor();
    await reset.getByRole('button', { name: 'Cancel' }).click();
  });

  it('fits a phone: rows stack, with name, status, expiry and actions in view, and the navigation wraps', async () => {
    await graphql(tessera, 'mutation { createPersonalAccessToken(input: { name: "phone-check" }) { token { id } } }');
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      for (const route of ['tokens', 'workflows', 'apps', 'endpoint-tokens', 'oauth', 'users', 'webhooks', 'settings']) {
        await page.goto(`${tessera.url}/console/#/${route}`);
        await page.getByRole('heading', { level: 1 }).waitFor();
        const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
        expect({ route, overflow }).toEqual({ route, overflow: 0 });
      }
      await page.goto(`${tessera.url}/console/#/tokens`);
      const row = page.locator('tr', { hasText: 'phone-check' });
      for (const part of [
        row.getByText('phone-check'),
        row.locator('[data-status]'),
        row.locator('td[data-label="Expires"]'),
        row.getByRole('button', { name: 'Revoke phone-check' }),
      ]) {
        const box = await part.first().boundingBox();
        expect(box && box.x >= 0 && box.x + box.width <= 390).toBe(true);
      }
      const nav = await page.getByRole('navigation', { name: 'Pages' }).boundingBox();
      expect(nav && nav.x + nav.width <= 390).toBe(true);
    } finally {
      await page.setViewportSize({ width: 1280, height: 820 });
    }
  });
});
