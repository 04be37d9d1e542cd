import { Webhook } from 'standardwebhooks';
import { ManualClock } from '../src/core/clock';
import type { WebhookWorker } from '../src/modules/webhooks';
import { startRedis } from './harness/services';
import { startTcpProxy } from './harness/tcp-proxy';
import {
  AuditLogDocument,
  CreatePatDocument,
  CreateWebhookEndpointDocument,
  DeleteWebhookEndpointDocument,
  RedeliverWebhookDocument,
  RevokePatDocument,
  RotateWebhookSecretDocument,
  UpdateWebhookEndpointDocument,
  WebhookDeliveriesDocument,
  WebhookEndpointsDocument,
} from './generated/graphql';
import { Receiver } from './harness/webhook-receiver';
import { BACKENDS, dataOf, errorCodeOf, eventually, isInOrderHistoryRead, startSibling, startTessera, type TestInstance } from './harness/tessera';

const HOUR = 3600_000;

const ENV = {
  TESSERA_OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
  TESSERA_WEBHOOK_MAX_ATTEMPTS: '3',
  TESSERA_WEBHOOK_RETRY_BASE_MS: '1000',
  TESSERA_WEBHOOK_DISABLE_AFTER_HOURS: '2',
};

const workerOf = (instance: TestInstance): WebhookWorker => (instance.server.services as unknown as { webhookWorker: WebhookWorker }).webhookWorker;

describe.each(BACKENDS)('webhooks on %s', (backend) => {
  let tessera: TestInstance;
  let receiver: Receiver;
  // Reads of the history in order outside the API (the fan-out's; no listener runs in these tests).
  const historyReads: string[] = [];

  beforeAll(async () => {
    tessera = await startTessera({ backend, env: ENV, onQuery: (sql) => isInOrderHistoryRead(sql) && historyReads.push(sql) });
  });

  beforeEach(async () => {
    receiver = await new Receiver().start();
  });

  afterEach(async () => {
    // Leave no endpoint behind: the next test's receiver counts only its own deliveries.
    for (const edge of dataOf(await tessera.gql(WebhookEndpointsDocument, {})).webhookEndpoints.edges)
      dataOf(await tessera.gql(DeleteWebhookEndpointDocument, { id: edge.node.id }));
    await receiver.close();
  });

  afterAll(async () => {
    await tessera.close();
  });

  async function endpoint(input: { eventTypes?: ('CREATED' | 'REVOKED')[] } = {}, as?: string) {
    return dataOf(await tessera.gql(CreateWebhookEndpointDocument, { input: { url: receiver.url, ...input } }, as)).createWebhookEndpoint;
  }
  const deliver = () => workerOf(tessera).run();
  const deliveriesOf = async (endpointId: string) =>
    dataOf(await tessera.gql(WebhookDeliveriesDocument, { endpointId })).webhookDeliveries.edges.map((e) => e.node);

  it('should deliver each event signed per Standard Webhooks, with the event as the API shows it and never a value', async () => {
    const { webhookEndpoint, secret } = await endpoint();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const { token, secret: value } = dataOf(await tessera.gql(CreatePatDocument, { input: { name: 'watched' } })).createPersonalAccessToken;
    dataOf(await tessera.gql(RevokePatDocument, { id: token.id }));
    await deliver();
    // Attempts run side by side: the order of arrival is not the events' (their ids are).
    const got = receiver.verified(secret).sort((x, y) => Number(BigInt(x.data.id) - BigInt(y.data.id)));
    expect(got.map((d) => [d.type, d.data.type, d.data.token.tokenId])).toEqual([
      ['token.created', 'CREATED', token.id],
      ['token.revoked', 'REVOKED', token.id],
    ]);
    expect(receiver.received.every((r) => !r.body.includes(value) && !r.body.includes(secret))).toBe(true);
    const deliveries = await deliveriesOf(webhookEndpoint.id);
    expect(deliveries.map((d) => [d.status, d.attempts, d.lastStatusCode])).toEqual([
      ['SUCCEEDED', 1, 200],
      ['SUCCEEDED', 1, 200],
    ]);
    expect(new Set(got.map((d) => d.id))).toEqual(new Set(deliveries.map((d) => d.id)));
    // A changed body, or another secret, does not verify.
    const tampered = { ...receiver.received[0], body: receiver.received[0].body.replace('"data":{', '"data":{"forged":true,') };
    expect(tampered.body).not.toBe(receiver.received[0].body);
    expect(() => new Webhook(secret).verify(tampered.body, tampered.headers as Record<string, string>)).toThrow();
    const other = (await endpoint()).secret;
    expect(() => new Webhook(other).verify(receiver.received[0].body, receiver.received[0].headers as Record<string, string>)).toThrow();
  });

  it('should pass over events while no endpoint is enabled without reading them, and deliver only what follows to an endpoint made after', async () => {
    historyReads.length = 0;
    for (let i = 0; i < 3; i += 1) dataOf(await tessera.gql(CreatePatDocument, { input: { name: `unwatched ${i}` } }));
    await deliver();
    expect(historyReads).toEqual([]);
    const { secret } = await endpoint();
    const { token } = dataOf(await tessera.gql(CreatePatDocument, { input: { name: 'watched after' } })).createPersonalAccessToken;
    await deliver();
    expect(receiver.verified(secret).map((d) => d.data.token.tokenId)).toEqual([token.id]);
    expect(historyReads.length).toBeGreaterThan(0);
  });

  it('should retry with the same webhook-id until a 2xx, then FAIL after the last attempt, and redeliver on demand', async () => {
    const { webhookEndpoint, secret } = await endpoint({ eventTypes: ['CREATED'] });
    receiver.answers.push(500, 302);
    dataOf(await tessera.gql(CreatePatDocument, { input: { name: 'flaky' } }));
    await deliver();
    let [delivery] = await deliveriesOf(webhookEndpoint.id);
    expect(delivery).toMatchObject({ status: 'PENDING', attempts: 1, lastStatusCode: 500, lastResponse: 'not now' });
    // Not due yet: nothing is sent.
    await deliver();
    expect(receiver.received).toHaveLength(1);
    tessera.clock.advance(2_000);
    await deliver();
    [delivery] = await deliveriesOf(webhookEndpoint.id);
    // A redirect is an answer, not a way elsewhere: not followed.
    expect(delivery).toMatchObject({ status: 'PENDING', attempts: 2, lastStatusCode: 302 });
    tessera.clock.advance(HOUR);
    await deliver();
    [delivery] = await deliveriesOf(webhookEndpoint.id);
    expect(delivery).toMatchObject({ status: 'SUCCEEDED', attempts: 3, lastStatusCode: 200 });
    const ids = receiver.verified(secret).map((d) => d.id);
    expect(ids).toEqual([delivery.id, delivery.id, delivery.id]);

    // Every attempt refused: FAILED after the third; redelivery sends it once more, same id.
    receiver.answers.push(503, 503, 503);
    dataOf(await tessera.gql(CreatePatDocument, { input: { name: 'doomed' } }));
    await deliver();
    for (let i = 0; i < 2; i += 1) {
      tessera.clock.advance(2 * 60_000);
      await deliver();
    }
    const failed = (await deliveriesOf(webhookEndpoint.id)).find((d) => d.id !== delivery.id)!;
    expect(failed).toMatchObject({ status: 'FAILED', attempts: 3, lastStatusCode: 503, nextAttemptAt: null });
    expect(dataOf(await tessera.gql(RedeliverWebhookDocument, { deliveryId: failed.id })).redeliverWebhook.status).toBe('PENDING');
    await deliver();
    expect((await deliveriesOf(webhookEndpoint.id)).find((d) => d.id === failed.id)).toMatchObject({ status: 'SUCCEEDED', attempts: 4 });
    expect(receiver.verified(secret).filter((d) => d.id === failed.id)).toHaveLength(4);
  });

  it("should send only the types chosen, and nothing of another tenant's", async () => {
    const revocations = await endpoint({ eventTypes: ['REVOKED'] });
    const other = await tessera.server.services.users.createTenantWithAdmin({
      tenantName: `Other ${backend}`,
      adminEmail: `o-${backend}@example.com`,
      adminName: 'O',
    });
    const { token } = dataOf(await tessera.gql(CreatePatDocument, { input: { name: 'mine' } })).createPersonalAccessToken;
    dataOf(await tessera.gql(RevokePatDocument, { id: token.id }));
    const theirs = dataOf(await tessera.gql(CreatePatDocument, { input: { name: 'theirs' } }, other.secret)).createPersonalAccessToken;
    dataOf(await tessera.gql(RevokePatDocument, { id: theirs.token.id }, other.secret));
    await deliver();
    expect(receiver.verified(revocations.secret).map((d) => [d.data.type, d.data.token.tokenId])).toEqual([['REVOKED', token.id]]);
    expect(errorCodeOf(await tessera.gql(WebhookDeliveriesDocument, { endpointId: revocations.webhookEndpoint.id }, other.secret))).toBe('NOT_FOUND');
  });

  it('should sign with both secrets for a day after a rotation', async () => {
    const { webhookEndpoint, secret: first } = await endpoint({ eventTypes: ['CREATED'] });
    const rotated = dataOf(await tessera.gql(RotateWebhookSecretDocument, { id: webhookEndpoint.id })).rotateWebhookSecret;
    expect(rotated.webhookEndpoint.previousSecretValidUntil).not.toBeNull();
    dataOf(await tessera.gql(CreatePatDocument, { input: { name: 'after rotation' } }));
    await deliver();
    expect(String(receiver.received[0].headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(receiver.verified(first)).toHaveLength(1);
    expect(receiver.verified(rotated.secret)).toHaveLength(1);
    tessera.clock.advance(25 * HOUR);
    try {
      dataOf(await tessera.gql(CreatePatDocument, { input: { name: 'a day later' } }));
      await deliver();
      expect(String(receiver.received[1].headers['webhook-signature']).split(' ')).toHaveLength(1);
      expect(() => receiver.verified(first)).toThrow();
    } finally {
      tessera.clock.advance(-25 * HOUR);
    }
  });

  it('should disable an endpoint that fails everything for too long, and say so in the audit log', async () => {
    const { webhookEndpoint } = await endpoint({ eventTypes: ['CREATED'] });
    receiver.answers.push(...Array.from({ length: 10 }, () => 500));
    dataOf(await tessera.gql(CreatePatDocument, { input: { name: 'never accepted' } }));
    await deliver();
    tessera.clock.advance(3 * HOUR);
    try {
      dataOf(await tessera.gql(CreatePatDocument, { input: { name: 'still refused' } }));
      await deliver();
      const endpoints = dataOf(await tessera.gql(WebhookEndpointsDocument, {})).webhookEndpoints.edges.map((e) => e.node);
      expect(endpoints.find((e) => e.id === webhookEndpoint.id)).toMatchObject({ enabled: false, disabledReason: 'FAILING' });
      const audit = dataOf(await tessera.gql(AuditLogDocument, { first: 10, action: 'webhook_endpoint.disabled', targetId: webhookEndpoint.id })).auditLog;
      expect(audit.totalCount).toBe(1);
      // Switched on again, it delivers.
      receiver.answers.length = 0;
      dataOf(await tessera.gql(UpdateWebhookEndpointDocument, { id: webhookEndpoint.id, input: { enabled: true } }));
      dataOf(await tessera.gql(CreatePatDocument, { input: { name: 'accepted' } }));
      await deliver();
      expect((await deliveriesOf(webhookEndpoint.id)).some((d) => d.status === 'SUCCEEDED')).toBe(true);
    } finally {
      tessera.clock.advance(-3 * HOUR);
    }
  });

  it('should keep deliveries for the event retention period, then prune them', async () => {
    const { webhookEndpoint } = await endpoint({ eventTypes: ['CREATED'] });
    dataOf(await tessera.gql(CreatePatDocument, { input: { name: 'kept a while' } }));
    await deliver();
    expect(await deliveriesOf(webhookEndpoint.id)).toHaveLength(1);
    tessera.clock.advance(30 * 24 * HOUR);
    try {
      await deliver();
      expect(await deliveriesOf(webhookEndpoint.id)).toHaveLength(1);
      tessera.clock.advance(61 * 24 * HOUR);
      await deliver();
      expect(await deliveriesOf(webhookEndpoint.id)).toHaveLength(0);
    } finally {
      tessera.clock.advance(-91 * 24 * HOUR);
    }
  });

  it('should refuse destinations that are not public unless allowed, and bad input, changing nothing', async () => {
    // The harness allows loopback for its own receivers: this instance allows nothing.
    const strict = await startTessera({ backend, env: { TESSERA_OUTBOUND_ALLOWED_HOSTS: '' } });
    try {
      // Validation resolves nothing here and connects nowhere: literal private and loopback addresses.
      for (const url of ['http://10.0.0.7/hook', 'http://127.0.0.1:9/hook', 'http://[::1]/hook', 'ftp://example.com/hook', 'not a url']) {
        const response = await strict.gql(CreateWebhookEndpointDocument, { input: { url } });
        expect({ url, code: errorCodeOf(response), field: response.errors?.[0]?.extensions?.field }).toEqual({
          url,
          code: 'BAD_USER_INPUT',
          field: 'input.url',
        });
      }
      expect(dataOf(await strict.gql(WebhookEndpointsDocument, {})).webhookEndpoints.totalCount).toBe(0);
    } finally {
      await strict.close();
    }
    expect(errorCodeOf(await tessera.gql(UpdateWebhookEndpointDocument, { id: 'whe_nope', input: { enabled: false } }))).toBe('NOT_FOUND');
    expect(errorCodeOf(await tessera.gql(RedeliverWebhookDocument, { deliveryId: 'whd_nope' }))).toBe('NOT_FOUND');
  });
});

describe('webhooks across instances, restarts and a Redis outage (PostgreSQL)', () => {
  it('should deliver each event once with two instances running, resume after a restart, and keep delivering without Redis', async () => {
    const receiver = await new Receiver().start();
    const redis = await startRedis();
    const proxy = await startTcpProxy(redis.port);
    const clock = new ManualClock();
    const a = await startTessera({ backend: 'postgres', redis: proxy.url, env: { ...ENV, TESSERA_WEBHOOK_POLL_MS: '50' }, clock, sweep: true });
    let b: TestInstance | undefined = await startSibling(a, {
      backend: 'postgres',
      redis: redis.url,
      env: { ...ENV, TESSERA_WEBHOOK_POLL_MS: '50' },
      clock,
      sweep: true,
    });
    try {
      const { secret } = dataOf(await a.gql(CreateWebhookEndpointDocument, { input: { url: receiver.url, eventTypes: ['CREATED'] } })).createWebhookEndpoint;
      const made: string[] = [];
      for (let i = 0; i < 20; i += 1) {
        const instance = i % 2 === 0 ? a : b;
        made.push(dataOf(await instance.gql(CreatePatDocument, { input: { name: `pat ${i}` } })).createPersonalAccessToken.token.id);
      }
      await eventually(async () => (receiver.received.length >= 20 ? true : undefined), 10_000, 'twenty deliveries');
      await new Promise((resolve) => setTimeout(resolve, 300));
      const got = receiver.verified(secret);
      expect(got.map((d) => d.data.token.tokenId).sort()).toEqual([...made].sort());
      expect(new Set(got.map((d) => d.id)).size).toBe(20);

      // A's Redis is gone: deliveries still come, from storage.
      proxy.hold();
      const quiet = receiver.received.length;
      dataOf(await a.gql(CreatePatDocument, { input: { name: 'while Redis is away' } }));
      await workerOf(a).run();
      await eventually(async () => (receiver.received.length > quiet ? true : undefined), 10_000, 'a delivery without Redis');
      expect(receiver.verified(secret).at(-1)?.data.type).toBe('CREATED');
      proxy.release();

      // A restart mid-retry: B fails an attempt and stops; another instance picks the retry up, same webhook-id.
      await workerOf(a).stop();
      receiver.answers.push(500);
      const before = receiver.received.length;
      dataOf(await b.gql(CreatePatDocument, { input: { name: 'across a restart' } }));
      await eventually(async () => (receiver.received.length > before ? true : undefined), 10_000, 'the first attempt');
      await b.close();
      b = undefined;
      const restarted = await startSibling(a, { backend: 'postgres', redis: redis.url, env: ENV, clock });
      try {
        clock.advance(HOUR);
        await workerOf(restarted).run();
        const retried = receiver.received.slice(before);
        expect(retried).toHaveLength(2);
        expect(retried[1].headers['webhook-id']).toBe(retried[0].headers['webhook-id']);
        expect(receiver.verified(secret)).toHaveLength(receiver.received.length);
      } finally {
        await restarted.close();
      }
    } finally {
      proxy.release();
      await b?.close();
      await a.close();
      await proxy.close();
      await redis.stop();
      await receiver.close();
    }
  });
});
