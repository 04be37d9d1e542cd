/**
 * End-to-end (issue 19): the Users and Settings pages and the personal access token page's new
 * parts (policy-driven durations, scopes, View, Rotate, revoke-and-delete, everyone's tokens), in
 * Debian's headless Chromium against a real Tessera.
 */
import type { Browser, Page } from 'playwright-core';
import { eventually, startTessera, type TestInstance } from '../harness/tessera';
import { graphql, openConsole, signIn, waitLive, type ConsoleBrowser } from './browser';

interface Pat {
  id: string;
  name: string;
  duration: string;
  scopes: string[];
  status: string;
  owner: { id: string } | null;
}

describe('The console: people and policies', () => {
  let tessera: TestInstance;
  let browser: Browser;
  let page: Page;
  let shot: ConsoleBrowser['shot'];

  beforeAll(async () => {
    tessera = await startTessera({ backend: 'sqlite' });
    ({ browser, page, shot } = await openConsole(tessera));
    await signIn(page, tessera.adminToken);
    await waitLive(page);
  });

  afterAll(async () => {
    await browser?.close();
    await tessera?.close();
  });

  const viewerOf = (token: string) => graphql<{ viewer: { id: string; role: string } }>(tessera, '{ viewer { id role } }', {}, token);
  const tenantPats = async (): Promise<Pat[]> =>
    (
      await graphql<{ tenantPersonalAccessTokens: { edges: { node: Pat }[] } }>(
        tessera,
        '{ tenantPersonalAccessTokens(first: 100) { edges { node { id name duration scopes status owner { id } } } } }',
      )
    ).tenantPersonalAccessTokens.edges.map((edge) => edge.node);

  it('invites a user with a first token shown once, changes their role, deactivates, reactivates and deletes them', async () => {
    await page.goto(`${tessera.url}/console/#/users`);
    const form = page.getByRole('form', { name: 'Invite a user' });
    await form.getByLabel('Email').fill('dana@example.com');
    await form.getByLabel('Full name').fill('Dana Developer');
    await form.getByLabel('Role', { exact: true }).selectOption('DEVELOPER');
    await form.getByRole('button', { name: 'Invite' }).click();
    const dialog = page.getByRole('alertdialog', { name: 'Dana Developer invited' });
    const secret = ((await dialog.getByTestId('one-time-secret').textContent()) ?? '').trim();
    expect((await viewerOf(secret)).viewer.role).toBe('DEVELOPER');
    await dialog.getByRole('button', { name: 'I have copied it' }).click();

    const row = page.locator('tr', { hasText: 'dana@example.com' });
    await row.getByLabel('Role of Dana Developer').selectOption('MEMBER');
    await page
      .getByRole('alertdialog', { name: /Make Dana Developer member/ })
      .getByRole('button', { name: 'Change role' })
      .click();
    await eventually(async () => ((await viewerOf(secret)).viewer.role === 'MEMBER' ? true : undefined));

    await row.getByRole('button', { name: 'Deactivate Dana Developer' }).click();
    await page.getByRole('alertdialog', { name: 'Deactivate Dana Developer?' }).getByText('stops working now').waitFor();
    await page.getByRole('alertdialog', { name: 'Deactivate Dana Developer?' }).getByRole('button', { name: 'Deactivate' }).click();
    await row.locator('[data-status="DEACTIVATED"]').waitFor();
    await expect(viewerOf(secret)).rejects.toThrow(/UNAUTHENTICATED|valid token/);
    await shot('users');

    await row.getByRole('button', { name: 'Reactivate Dana Developer' }).click();
    await row.locator('[data-status="ACTIVE"]').waitFor();
    expect((await viewerOf(secret)).viewer.role).toBe('MEMBER');

    await row.getByRole('button', { name: 'Delete Dana Developer' }).click();
    await page.getByRole('alertdialog', { name: 'Delete Dana Developer?' }).getByRole('button', { name: 'Delete' }).click();
    await row.waitFor({ state: 'detached' });
    await expect(viewerOf(secret)).rejects.toThrow(/UNAUTHENTICATED|valid token/);
  });

  it('changes the token policy on Settings, and the token form follows it', async () => {
    await page.goto(`${tessera.url}/console/#/settings`);
    const form = page.getByRole('form', { name: 'Token policy' });
    await form.getByLabel('7 days').uncheck();
    await form.getByLabel('Default duration').selectOption('YEAR');
    await form.getByRole('button', { name: 'Save policy' }).click();
    await form.getByText('Saved.').waitFor();
    await shot('settings');
    const policy = await graphql<{ tokenPolicy: { defaultPersonalAccessTokenDuration: string; personalAccessTokenDurations: string[] } }>(
      tessera,
      '{ tokenPolicy { defaultPersonalAccessTokenDuration personalAccessTokenDurations } }',
    );
    expect(policy.tokenPolicy).toEqual({
      defaultPersonalAccessTokenDuration: 'YEAR',
      personalAccessTokenDurations: ['DAYS_30', 'DAYS_60', 'DAYS_90', 'YEAR', 'CUSTOM'],
    });

    await page.goto(`${tessera.url}/console/#/tokens`);
    const pat = page.getByRole('form', { name: 'New personal access token' });
    const durations = pat.getByLabel('Expires after');
    await pat.getByText('One year (default)').waitFor({ state: 'attached' });
    expect(await durations.inputValue()).toBe('YEAR');
    expect(await durations.locator('option').allTextContents()).not.toContain('7 days');
    await pat.getByLabel('Name', { exact: true }).fill('gateway');
    await pat.getByLabel('Verify tokens only (a gateway)').check();
    await pat.getByRole('button', { name: 'Create token' }).click();
    await page.getByRole('alertdialog', { name: 'Token “gateway” created' }).getByRole('button', { name: 'I have copied it' }).click();
    const gateway = (await tenantPats()).find((token) => token.name === 'gateway');
    expect(gateway).toMatchObject({ duration: 'YEAR', scopes: ['VERIFY'] });
  });

  it("views, rotates and revokes-and-deletes a token, and shows administrators everyone's tokens", async () => {
    const gateway = (await tenantPats()).find((token) => token.name === 'gateway')!;
    const row = page.locator(`tr[data-token-id="${gateway.id}"]`);
    await row.getByRole('button', { name: 'View gateway' }).click();
    const view = page.getByRole('dialog', { name: 'Token “gateway”' });
    expect(await view.getByLabel('Identifier', { exact: true }).inputValue()).toBe(gateway.id);
    await view.getByText('Verify tokens only (a gateway)').waitFor();
    await view.getByRole('button', { name: 'Close' }).click();

    await row.getByRole('button', { name: 'Rotate gateway' }).click();
    await page.getByRole('alertdialog', { name: 'Rotate “gateway”?' }).getByRole('button', { name: 'Rotate' }).click();
    const rotated = page.getByRole('alertdialog', { name: 'Token “gateway” rotated' });
    const secret = ((await rotated.getByTestId('one-time-secret').textContent()) ?? '').trim();
    expect((await viewerOf(secret)).viewer.id).toBeTruthy();
    await rotated.getByRole('button', { name: 'I have copied it' }).click();

    await row.getByRole('button', { name: 'Delete gateway' }).click();
    const ask = page.getByRole('alertdialog', { name: 'Revoke and delete “gateway”?' });
    await ask.getByText('stops working now').waitFor();
    await ask.getByRole('button', { name: 'Revoke and delete' }).click();
    await row.waitFor({ state: 'detached' });
    await expect(viewerOf(secret)).rejects.toThrow(/UNAUTHENTICATED|valid token/);

    // Someone else's token appears under Everyone's, with its owner.
    await graphql(tessera, 'mutation { createUser(input: { email: "oli@example.com", name: "Oli Other", role: MEMBER }) { user { id } } }');
    await page.getByRole('group', { name: 'Whose tokens' }).getByRole('button', { name: 'Everyone’s' }).click();
    const everyone = page.getByRole('table', { name: 'Personal access tokens of everyone' });
    await everyone.locator('tr', { hasText: 'Oli Other' }).first().waitFor();
  });
});
