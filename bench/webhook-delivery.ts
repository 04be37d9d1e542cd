/**
 * webhook-delivery (issue 20): one revocation delivered to 1,000 webhook endpoints by one Tessera
 * instance (SQLite, in-process bus; every delivery stored, claimed, signed, sent and recorded) vs
 * a bare Node process POSTing the same signed body to the same 1,000 URLs with fetch, 16 at a
 * time (no storage, no retries). Both senders on core 0, the receiver on core 1; rounds alternate.
 * Measures the time from the trigger's answer (the mutation / the baseline's start) to the LAST
 * delivery at the receiver, and the sender's CPU per delivery (/proc schedstat deltas).
 *
 *   node dist-bench/bench/webhook-delivery.js [--quick]
 */
import {
  CLIENT_CPU,
  QUICK,
  REVOKE_PAT,
  createPat,
  fmt,
  gql,
  main,
  median,
  processCpuNs,
  sleep,
  startHelper,
  startTessera,
  table,
  type Proc,
} from './lib/common';

const ENDPOINTS = 1000;
const ROUNDS = QUICK ? 2 : 3;
const CREATE = 'mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret } }';

async function countOf(receiver: Proc): Promise<{ count: number; last: number }> {
  return (await (await fetch(`${receiver.url}/count`)).json()) as { count: number; last: number };
}

/** Waits until the receiver has `expected` requests; the wall-clock time of the last. */
async function lastArrival(receiver: Proc, expected: number): Promise<number> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const { count, last } = await countOf(receiver);
    if (count >= expected) return last;
    if (Date.now() > deadline) throw new Error(`only ${count} of ${expected} deliveries arrived`);
    await sleep(20);
  }
}

interface Round {
  ms: number;
  cpuUsPerDelivery: number;
}

async function run(): Promise<void> {
  console.log(
    `\n## webhook-delivery — one revocation to ${ENDPOINTS.toLocaleString('en-US')} webhook endpoints vs a bare fetch loop, ${ROUNDS} rounds each, alternating`,
  );
  const receiver = await startHelper('webhook-receiver.js', [], CLIENT_CPU);
  const bare = await startHelper('bare-webhook-sender.js');
  const tessera = await startTessera({ env: { TESSERA_OUTBOUND_ALLOWED_HOSTS: '127.0.0.1', TESSERA_WEBHOOK_POLL_MS: '50' } });
  try {
    const urls = Array.from({ length: ENDPOINTS }, (_, i) => `${receiver.url}/hook/${i}`);
    let secret = '';
    for (const url of urls)
      secret = (await gql(tessera.url, tessera.adminToken, CREATE, { input: { url, eventTypes: ['REVOKED'] } })).createWebhookEndpoint.secret;
    // The same body Tessera sends, near enough in size: a revocation event as the API shows it.
    const body = JSON.stringify({
      type: 'token.revoked',
      timestamp: new Date().toISOString(),
      data: {
        id: '1234',
        type: 'REVOKED',
        tenantId: 'ten_0000000000000000000000',
        occurredAt: new Date().toISOString(),
        token: {
          tokenId: 'pat_0000000000000000000000',
          kind: 'PERSONAL_ACCESS',
          name: 'bench',
          status: 'REVOKED',
          expiresAt: null,
          subjectType: null,
          subjectId: null,
          ownerId: 'usr_0000000000000000000000',
        },
        actor: { type: 'user', id: 'usr_0000000000000000000000', name: 'Administrator' },
        thresholdDays: null,
        secondsLeft: null,
        graceEndsAt: null,
        reason: null,
      },
    });

    const tesseraRound = async (n: number): Promise<Round> => {
      const pat = await createPat(tessera.url, tessera.adminToken, `bench webhook ${n}`);
      await fetch(`${receiver.url}/reset`, { method: 'POST' });
      const cpu = processCpuNs(tessera.pid);
      await gql(tessera.url, tessera.adminToken, REVOKE_PAT, { id: pat.id });
      const answered = Date.now();
      const last = await lastArrival(receiver, ENDPOINTS);
      return { ms: last - answered, cpuUsPerDelivery: (processCpuNs(tessera.pid) - cpu) / 1e3 / ENDPOINTS };
    };
    const bareRound = async (): Promise<Round> => {
      await fetch(`${receiver.url}/reset`, { method: 'POST' });
      const cpu = processCpuNs(bare.pid);
      const started = Date.now();
      await fetch(`${bare.url}/send`, { method: 'POST', body: JSON.stringify({ urls, body, secret }) });
      const last = await lastArrival(receiver, ENDPOINTS);
      return { ms: last - started, cpuUsPerDelivery: (processCpuNs(bare.pid) - cpu) / 1e3 / ENDPOINTS };
    };

    await tesseraRound(0); // warm-up
    await bareRound();
    const ours: Round[] = [];
    const baseline: Round[] = [];
    for (let n = 1; n <= ROUNDS; n += 1) {
      ours.push(await tesseraRound(n));
      baseline.push(await bareRound());
    }
    const m = (rounds: Round[], pick: (r: Round) => number) => median(rounds.map(pick));
    table(
      ['sender', 'to the last of 1,000 (ms, median)', 'CPU per delivery (µs, median)', 'rounds'],
      [
        [
          'Tessera (stored, claimed, signed, recorded)',
          fmt(
            m(ours, (r) => r.ms),
            0,
          ),
          fmt(
            m(ours, (r) => r.cpuUsPerDelivery),
            0,
          ),
          ours.map((r) => fmt(r.ms, 0)).join(' / '),
        ],
        [
          'bare fetch loop (signed, nothing stored)',
          fmt(
            m(baseline, (r) => r.ms),
            0,
          ),
          fmt(
            m(baseline, (r) => r.cpuUsPerDelivery),
            0,
          ),
          baseline.map((r) => fmt(r.ms, 0)).join(' / '),
        ],
      ],
    );
    console.log(
      `ratio Tessera / bare: time to the last delivery ${fmt(m(ours, (r) => r.ms) / m(baseline, (r) => r.ms), 2)}×, CPU per delivery ${fmt(m(ours, (r) => r.cpuUsPerDelivery) / m(baseline, (r) => r.cpuUsPerDelivery), 2)}×`,
    );
  } finally {
    await tessera.stop();
    await bare.stop();
    await receiver.stop();
  }
}

main('webhook-delivery', run, 20 * 60_000);
