/**
 * End-to-end: the built console in Debian's headless Chromium (driven by playwright-core) against a
 * real Tessera. Installs `chromium` with apt when it is missing and we are root; builds the console
 * when `console/dist` is missing (both in ./browser.ts). Screenshots of the main pages go to
 * docs/screenshots/ with UPDATE_SCREENSHOTS=1 (`npm run screenshots`), to .tmp/screenshots/ otherwise.
 */
import type { Browser, Page } from 'playwright-core';
import { DAY } from '../../src/core/clock';
import { eventually, startTessera, type TestInstance } from '../harness/tessera';
import { graphql, openConsole, signIn, waitLive, type ConsoleBrowser } from './browser';

describe('The console', () => {
  let tessera: TestInstance;
  let browser: Browser;
  let page: Page;
  let shot: ConsoleBrowser['shot'];

  beforeAll(async () => {
    tessera = await startTessera({ backend: 'sqlite' });
    ({ browser, page, shot } = await openConsole(tessera));
  });

  afterAll(async () => {
    await browser?.close();
    await tessera?.close();
  });

  it('signs in with a token kept in session storage, not in the URL', async () => {
    await signIn(page, tessera.adminToken);
    expect(page.url()).not.toContain(tessera.adminToken);
    expect(await page.evaluate('sessionStorage.getItem("tessera.token")')).toBe(tessera.adminToken);
    await waitLive(page);
  });

  it('creates a personal access token and copies its value from the one-time dialog', async () => {
    await page.getByLabel('Name', { exact: true }).fill('ci-runner');
    await page.getByRole('button', { name: 'Create token' }).click();
    const dialog = page.getByRole('alertdialog', { name: 'Token “ci-runner” created' });
    await dialog.getByText('it will not be shown again').waitFor();
    const shown = (await dialog.getByTestId('one-time-secret').textContent())?.trim() ?? '';
    expect(shown).toMatch(/^tsp_/);
    await dialog.getByRole('button', { name: 'Copy the value' }).click();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(shown);
    // The copied value is a working token.
    const viewer = await graphql<{ viewer: { tokenId: string } }>(tessera, '{ viewer { tokenId } }', {}, shown);
    await shot('personal-access-token-created');
    await dialog.getByRole('button', { name: 'I have copied it' }).click();
    const row = page.locator(`tr[data-token-id="${viewer.viewer.tokenId}"]`);
    // No token is EXPIRING at birth: a 7-day token's warning window is its last day.
    await row.locator('[data-status="ACTIVE"]').waitFor();
  });

  it('shows a revocation made through the API in the list and the notices panel without reload', async () => {
    const row = page.locator('tr', { hasText: 'ci-runner' });
    const tokenId = await row.getAttribute('data-token-id');
    // The CREATED event has arrived over the subscription: it is live, so nothing can be missed.
    await page.locator('[data-last-event-id]:not([data-last-event-id=""])').waitFor();
    await page.evaluate('window.__notReloaded = true');
    await graphql(tessera, 'mutation($id: ID!) { revokePersonalAccessToken(id: $id) { id } }', { id: tokenId });
    await row.locator('[data-status="REVOKED"]').waitFor();
    await page.locator(`.notices [data-event-type="REVOKED"][data-token-id="${tokenId}"]`).getByText('“ci-runner” was revoked').waitFor();
    expect(await page.evaluate('window.__notReloaded')).toBe(true);
  });

  it('marks a token that expires with a red error icon and an expiry notice, live', async () => {
    const created = await graphql<{ createPersonalAccessToken: { token: { id: string } } }>(
      tessera,
      'mutation { createPersonalAccessToken(input: { name: "nightly-job", duration: DAYS_7 }) { token { id } } }',
    );
    const id = created.createPersonalAccessToken.token.id;
    const row = page.locator(`tr[data-token-id="${id}"]`);
    await row.locator('[data-status="ACTIVE"]').waitFor();
    // Into its last day: the expiry notice turns the row EXPIRING, with the warning icon, live.
    tessera.clock.advance(6 * 24 * 3600 * 1000 + 60_000);
    for (let i = 0; i < 5 && (await tessera.server.sweep.run()) > 0; i++);
    await row.locator('[data-status="EXPIRING"]').getByRole('img', { name: 'Warning' }).waitFor();
    tessera.clock.advance(2 * 24 * 3600 * 1000);
    for (let i = 0; i < 5 && (await tessera.server.sweep.run()) > 0; i++);
    await row.locator('[data-status="EXPIRED"]').getByRole('img', { name: 'Error' }).waitFor();
    await page.locator(`.notices [data-event-type="EXPIRED"][data-token-id="${id}"]`).getByText('“nightly-job” expired').waitFor();
    await shot('personal-access-tokens');
  });

  it('assigns a secondary token to an endpoint and switches the assignment off', async () => {
    await page.getByRole('link', { name: 'Endpoints' }).click();
    // The page we come from has a Name field too: fill only once the endpoints page is shown.
    await page.getByRole('heading', { name: 'Endpoints', level: 1 }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Orders');
    await page.getByLabel('Path').fill('orders/incoming');
    await page.getByRole('button', { name: 'Create endpoint' }).click();
    await page.getByRole('link', { name: 'Orders' }).click();
    await page.getByRole('heading', { name: 'Primary tokens' }).waitFor();
    await page.getByLabel('New secondary token name').fill('shop-integration');
    await page.getByRole('button', { name: 'Create secondary token' }).click();
    const created = page.getByRole('alertdialog', { name: 'Secondary token “shop-integration” created' });
    expect((await created.getByTestId('one-time-secret').textContent())?.trim()).toMatch(/^[A-Za-z0-9]{64}$/);
    await created.getByRole('button', { name: 'I have copied it' }).click();

    await page.getByRole('button', { name: 'Assign shop-integration' }).click();
    const assign = page.getByRole('dialog', { name: 'Assign “shop-integration”' });
    await assign.getByLabel('GET').check();
    await assign.getByRole('button', { name: 'Assign', exact: true }).click();
    const toggle = page.getByRole('switch', { name: 'Assignment of shop-integration enabled' });
    await switchState(page, 'Assignment of shop-integration enabled', true);
    await shot('endpoint-tokens');

    await toggle.click();
    const confirm = page.getByRole('alertdialog', { name: 'Switch the assignment of “shop-integration” off?' });
    await confirm.getByText('This one integration stops reaching this endpoint').waitFor();
    await confirm.getByRole('button', { name: 'Switch off' }).click();
    await switchState(page, 'Assignment of shop-integration enabled', false);

    const data = await graphql<{
      endpoints: { edges: { node: { tokens: { edges: { node: { assignment: { enabled: boolean; methods: string[] } | null } }[] } } }[] };
    }>(tessera, '{ endpoints { edges { node { tokens(hideUnassigned: true) { edges { node { assignment { enabled methods } } } } } } } }');
    expect(data.endpoints.edges[0]!.node.tokens.edges.map((e) => e.node.assignment)).toEqual([
      { enabled: false, methods: expect.arrayContaining(['GET', 'POST']) as unknown },
    ]);
  });

  it('creates a token with the lifetime chosen in a select named by its label alone', async () => {
    await page.getByRole('link', { name: 'Personal access tokens' }).click();
    // The label is tied by `for`: the select's accessible name is the label, not the label plus the chosen option.
    await page.getByRole('combobox', { name: 'Expires after', exact: true }).selectOption('YEAR');
    await page.getByLabel('Name', { exact: true }).fill('yearly');
    await page.getByRole('button', { name: 'Create token' }).click();
    const dialog = page.getByRole('alertdialog', { name: 'Token “yearly” created' });
    const shown = ((await dialog.getByTestId('one-time-secret').textContent()) ?? '').trim();
    await dialog.getByRole('button', { name: 'I have copied it' }).click();
    const viewer = await graphql<{ viewer: { tokenId: string } }>(tessera, '{ viewer { tokenId } }', {}, shown);
    const listed = await graphql<{ personalAccessTokens: { edges: { node: { id: string; expiresAt: string; status: string } }[] } }>(
      tessera,
      '{ personalAccessTokens(first: 100) { edges { node { id expiresAt status } } } }',
      {},
      shown,
    );
    const token = listed.personalAccessTokens.edges.map((edge) => edge.node).find((node) => node.id === viewer.viewer.tokenId);
    const days = (Date.parse(token?.expiresAt ?? '') - tessera.clock.now().getTime()) / DAY;
    expect(days).toBeGreaterThan(360);
    expect(days).toBeLessThan(367);
    await page.locator(`tr[data-token-id="${viewer.viewer.tokenId}"] [data-status="ACTIVE"]`).waitFor();
  });

  it('publishes a workflow with the start event chosen in its select', async () => {
    await page.getByRole('link', { name: 'Workflow tokens' }).click();
    await page.getByRole('combobox', { name: 'Start event', exact: true }).selectOption('STANDARD');
    await page.getByLabel('Workflow name').fill('nightly-report');
    await page.getByRole('button', { name: 'Publish' }).click();
    // A standard workflow has no token: no one-time dialog, and the API says what was chosen.
    const found = async () => {
      const answer = await graphql<{ workflows: { edges: { node: { name: string; startEvent: string } }[] } }>(
        tessera,
        '{ workflows(first: 100) { edges { node { name startEvent } } } }',
      );
      return answer.workflows.edges.map((edge) => edge.node).find((node) => node.name === 'nightly-report');
    };
    await eventually(async () => (await found()) ?? undefined, 10_000, 'the published workflow');
    expect((await found())?.startEvent).toBe('STANDARD');
    // The form keeps its choice: back to the default for the tests that follow.
    await page.getByRole('combobox', { name: 'Start event', exact: true }).selectOption('COMPONENT');
  });

  it('publishes a workflow and opens its API-endpoints dialog', async () => {
    await page.getByRole('link', { name: 'Workflow tokens' }).click();
    await page.getByLabel('Workflow name').fill('order-intake');
    await page.getByRole('button', { name: 'Publish' }).click();
    const created = page.getByRole('alertdialog', { name: 'Workflow “order-intake” published' });
    expect((await created.getByTestId('one-time-secret').textContent())?.trim()).toBeTruthy();
    await created.getByRole('button', { name: 'I have copied it' }).click();
    await page.getByRole('button', { name: 'API endpoints of order-intake' }).click();
    const dialog = page.getByRole('dialog', { name: 'API endpoints of “order-intake”' });
    const url = await dialog.getByRole('textbox', { name: 'URL', exact: true }).inputValue();
    expect(url).toMatch(/\/api\/workflows\/wfl_[^/]+\/instances$/);
    expect(await dialog.getByRole('textbox', { name: 'URL with token', exact: true }).inputValue()).toContain('?token=');
    expect(await dialog.getByRole('textbox', { name: 'curl', exact: true }).inputValue()).toContain('curl');
    await shot('workflow-api-endpoints');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await shot('workflow-tokens');
  });

  it('fits a phone screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('link', { name: 'Personal access tokens' }).click();
    await page.getByRole('heading', { name: 'Personal access tokens', level: 1 }).waitFor();
    const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await shot('phone');
    await page.setViewportSize({ width: 1280, height: 820 });
  });

  it('answers browsers at GET /graphql with GraphiQL signed in as the console user, and clients as before', async () => {
    await page.getByRole('link', { name: 'GraphiQL' }).click();
    await page.waitForURL('**/graphql');
    // Monaco loads its workers first: run the query once the editors show their text.
    await page.locator('.graphiql-query-editor .view-lines').getByText('viewer').waitFor({ timeout: 30_000 });
    await page.locator('.graphiql-editor-tool .view-lines').getByText('Bearer').waitFor({ timeout: 30_000 });
    await page
      .getByRole('button', { name: /Execute query/ })
      .first()
      .click();
    await page.locator('.graphiql-response').getByText('"ADMIN"').waitFor({ timeout: 30_000 });
    await shot('graphiql');
    const viewer = await graphql<{ viewer: { role: string } }>(tessera, '{ viewer { role } }');
    expect(viewer.viewer.role).toBe('ADMIN');
  });

  it('starts from now, and says so, when the last event it saw is past the event retention', async () => {
    await page.goto('/console');
    await waitLive(page);
    tessera.clock.advance(91 * DAY);
    try {
      const created = await graphql<{ createPersonalAccessToken: { token: { id: string } } }>(
        tessera,
        'mutation { createPersonalAccessToken(input: { name: "after the gap", duration: DAYS_7 }) { token { id } } }',
      );
      expect(await tessera.server.retention.run()).toBeGreaterThan(0);
      // The console was "closed" since event 1, which is gone now.
      await page.evaluate("for (const key of Object.keys(localStorage)) if (key.startsWith('tessera.lastEventId.')) localStorage.setItem(key, '1')");
      await page.reload();
      await page.locator('[data-connection*="past retention"]').waitFor();
      // Listening again from now: a revocation still reaches the notices panel.
      const id = created.createPersonalAccessToken.token.id;
      await graphql(tessera, 'mutation($id: ID!) { revokePersonalAccessToken(id: $id) { id } }', { id });
      await page.locator(`.notices [data-event-type="REVOKED"][data-token-id="${id}"]`).waitFor();
    } finally {
      tessera.clock.advance(-91 * DAY);
    }
  });

  it('pages a list longer than the API gives at once, and shows how much is shown', async () => {
    const before = await graphql<{ personalAccessTokens: { totalCount: number } }>(tessera, '{ personalAccessTokens { totalCount } }');
    const create = 'mutation($name: String!) { createPersonalAccessToken(input: { name: $name, duration: DAYS_30 }) { token { id } } }';
    for (let i = before.personalAccessTokens.totalCount; i <= 100; i += 1) await graphql(tessera, create, { name: `batch ${i}` });
    const total = (await graphql<{ personalAccessTokens: { totalCount: number } }>(tessera, '{ personalAccessTokens { totalCount } }')).personalAccessTokens
      .totalCount;
    expect(total).toBeGreaterThan(100);
    await page.getByRole('link', { name: 'Personal access tokens' }).click();
    const table = page.getByRole('table', { name: 'Personal access tokens' });
    await page.getByText(`Showing 100 of ${total}.`).waitFor();
    expect(await table.locator('tbody tr').count()).toBe(100);
    await page.getByRole('button', { name: 'Show more of personal access tokens' }).click();
    await table
      .locator('tbody tr')
      .nth(total - 1)
      .waitFor();
    expect(await table.locator('tbody tr').count()).toBe(total);
    expect(await page.getByRole('button', { name: 'Show more of personal access tokens' }).count()).toBe(0);
    // Still live with every page shown: a token created elsewhere joins the list.
    await graphql(tessera, create, { name: 'after paging' });
    await table.locator('tbody tr').nth(total).waitFor();
    expect(await table.getByText('after paging').count()).toBe(1);
  });
});

/** Waits until the switch labelled `label` is on (or off). */
function switchState(page: Page, label: string, on: boolean): Promise<void> {
  return page.locator(`input[role="switch"][aria-label="${label}"]${on ? ':checked' : ':not(:checked)'}`).waitFor();
}
