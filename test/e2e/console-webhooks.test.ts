/**
 * End-to-end (issue 20): the Webhooks page in Chromium against a real Tessera and a real receiver
 * on loopback that verifies every delivery with the standardwebhooks reference library.
 */
import type { Browser, Page } from 'playwright-core';
import type { WebhookWorker } from '../../src/modules/webhooks';
import { startTessera, type TestInstance } from '../harness/tessera';
import { Receiver } from '../harness/webhook-receiver';
import { graphql, openConsole, signIn, waitLive } from './browser';

describe('The console: webhooks', () => {
  let tessera: TestInstance;
  let browser: Browser;
  let page: Page;
  let receiver: Receiver;
  let url = '';

  beforeAll(async () => {
    receiver = await new Receiver().start();
    url = receiver.url;
    tessera = await startTessera({ backend: 'sqlite' });
    ({ browser, page } = await openConsole(tessera));
    await signIn(page, tessera.adminToken);
    await waitLive(page);
  });

  afterAll(async () => {
    await browser?.close();
    await tessera?.close();
    await receiver?.close();
  });

  const deliver = () => (tessera.server.services as unknown as { webhookWorker: WebhookWorker }).webhookWorker.run();

  it('adds an endpoint with its secret shown once, shows its deliveries live, redelivers, rotates, narrows and disables it', async () => {
    await page.goto(`${tessera.url}/console/#/webhooks`);
    const form = page.getByRole('form', { name: 'New webhook endpoint' });
    await form.getByLabel('URL').fill(url);
    await form.getByLabel('Description').fill('ci notices');
    await form.getByRole('button', { name: 'Add endpoint' }).click();
    const added = page.getByRole('alertdialog', { name: `Webhook endpoint ${url} added` });
    await added.getByTestId('success-mark').waitFor();
    const secret = ((await added.getByTestId('one-time-secret').textContent()) ?? '').trim();
    expect(secret).toMatch(/^whsec_/);
    await added.getByRole('button', { name: 'I have copied it' }).click();

    // The receiver refuses the first attempt, accepts the redelivery.
    receiver.answers.push(500);
    await graphql(tessera, 'mutation { createPersonalAccessToken(input: { name: "hooked" }) { token { id } } }');
    await deliver();
    const row = page.locator('tr', { hasText: url });
    await row.getByRole('button', { name: `Deliveries to ${url}` }).click();
    const deliveries = page.getByRole('table', { name: 'Deliveries' });
    const pending = deliveries.locator('tr[data-delivery-status="PENDING"]');
    await pending.getByText('500').waitFor();
    const eventId = ((await pending.getAttribute('data-delivery-id')) ?? '').trim();
    await pending.getByRole('button', { name: /Redeliver event/ }).click();
    await deliver();
    await deliveries.locator(`tr[data-delivery-id="${eventId}"][data-delivery-status="SUCCEEDED"]`).waitFor({ timeout: 10_000 });
    expect(receiver.verified(secret).map((payload) => [payload.type, payload.id])).toEqual([
      ['token.created', eventId],
      ['token.created', eventId],
    ]);

    await row.getByRole('button', { name: `Rotate the secret of ${url}` }).click();
    await page
      .getByRole('alertdialog', { name: `Rotate the secret of ${url}?` })
      .getByRole('button', { name: 'Rotate' })
      .click();
    const rotated = page.getByRole('alertdialog', { name: `New secret of ${url}` });
    expect(((await rotated.getByTestId('one-time-secret').textContent()) ?? '').trim()).not.toBe(secret);
    await rotated.getByRole('button', { name: 'I have copied it' }).click();

    await row.getByRole('button', { name: `Event types of ${url}` }).click();
    const types = page.getByRole('dialog', { name: `Event types of ${url}` });
    await types.getByLabel('revoked').check();
    await types.getByRole('button', { name: 'Save' }).click();
    await row.getByText('revoked').waitFor();

    await row.getByRole('button', { name: `Disable ${url}` }).click();
    await page
      .getByRole('alertdialog', { name: `Disable ${url}?` })
      .getByRole('button', { name: 'Disable' })
      .click();
    await row.locator('[data-enabled="false"]').waitFor();
    const listed = await graphql<{ webhookEndpoints: { edges: { node: { enabled: boolean; eventTypes: string[] } }[] } }>(
      tessera,
      '{ webhookEndpoints(first: 5) { edges { node { enabled eventTypes } } } }',
    );
    expect(listed.webhookEndpoints.edges[0].node).toEqual({ enabled: false, eventTypes: ['REVOKED'] });
  });
});
