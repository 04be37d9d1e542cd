/**
 * revocation-propagation: two Tessera processes (A, B) on one PostgreSQL and one Redis (the test
 * harness's private servers). Per round: a fresh PAT, cached on B; a client (this process, core
 * 1) hammers `POST /v1/verify` on B with it over 8 keep-alive connections while
 * `revokePersonalAccessToken` runs on A. Measures
 *   (a) time from the mutation's response to B's first rejection (negative: B refused before
 *       the mutation even returned), and from the mutation's request;
 *   (b) requests B accepted that were SENT after the mutation's response arrived (target 0).
 * Rounds alternate the way the token is stopped: `revokePersonalAccessToken`, and
 * `deactivateUser` of the token's owner (a fresh person per round: every token acting as them
 * must stop the same way); (b) is reported for each.
 * Baseline, alternating with the rounds: raw Redis PUBLISH→message latency between two ioredis
 * clients on the same Redis.
 *
 * Fault modes (the revocation bound, issue 16): `--partition` puts B behind a loopback TCP proxy
 * and holds all of B's Redis traffic (nothing refused) from just before the revoke until B first
 * refuses; `--stall` freezes B (SIGSTOP) for 2 s across the revoke. Target there: no request sent
 * more than TESSERA_VERIFY_CACHE_TTL_MS (5 s) after the mutation's response is accepted.
 *
 *   node dist-bench/bench/revocation-propagation.js [--quick] [--partition | --stall]
 */
import { Agent, request } from 'node:http';
import { Redis } from 'ioredis';
import { startPostgres, startRedis } from '../test/harness/services';
import { startTcpProxy, type TcpProxy } from '../test/harness/tcp-proxy';
import { QUICK, REVOKE_PAT, createPat, fmt, gql, main, median, quantile, sleep, startTessera, table, type TesseraProc } from './lib/common';

const MODE: 'normal' | 'partition' | 'stall' = process.argv.includes('--partition') ? 'partition' : process.argv.includes('--stall') ? 'stall' : 'normal';
const ROUNDS = MODE !== 'normal' ? (QUICK ? 2 : 5) : QUICK ? 6 : 20;
/** TESSERA_VERIFY_CACHE_TTL_MS's default: the stated bound in the fault modes. */
const BOUND_MS = 5_000;
const STALL_MS = 2_000;
const CONCURRENCY = 8;
const REDIS_SAMPLES = 50;
const now = (): number => Number(process.hrtime.bigint()) / 1e6; // ms, monotonic

interface Sample {
  sent: number;
  received: number;
  valid: boolean;
}

function verifyOnce(agent: Agent, port: number, auth: string, body: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/v1/verify',
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', authorization: auth, 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          if (res.statusCode !== 200) return reject(new Error(`verify answered ${res.statusCode}: ${text}`));
          resolve((JSON.parse(text) as { valid: boolean }).valid);
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** How a round stops the token on A. */
type Stop = 'revoke' | 'deactivate';
const CREATE_USER = `mutation($input: CreateUserInput!) { createUser(input: $input) { user { id } secret } }`;
const DEACTIVATE_USER = `mutation($id: ID!) { deactivateUser(id: $id) { id status } }`;

/** A fresh token on A, and the mutation that stops it the round's way. */
async function tokenToStop(a: TesseraProc, n: number, how: Stop): Promise<{ secret: string; stop: () => Promise<unknown> }> {
  if (how === 'revoke') {
    const pat = await createPat(a.url, a.adminToken, `bench revocation ${n}`);
    return { secret: pat.secret, stop: () => gql(a.url, a.adminToken, REVOKE_PAT, { id: pat.id }) };
  }
  const made = await gql<{ createUser: { user: { id: string }; secret: string } }>(a.url, a.adminToken, CREATE_USER, {
    input: { email: `leaver-${n}-${Date.now()}@example.com`, name: `Leaver ${n}`, role: 'DEVELOPER' },
  });
  return { secret: made.createUser.secret, stop: () => gql(a.url, a.adminToken, DEACTIVATE_USER, { id: made.createUser.user.id }) };
}

interface RoundResult {
  how: Stop;
  mutationMs: number;
  fromResponseMs: number;
  fromRequestMs: number;
  acceptedAfter: number;
  inFlightAccepted: number;
  requests: number;
  lastAcceptedSentMs: number;
  firstRejectedSentMs: number;
  verifyMs: number;
}

async function busUp(url: string): Promise<void> {
  for (const deadline = now() + 30_000; now() < deadline; await sleep(50)) {
    const body = (await (await fetch(`${url}/readyz`)).json()) as { bus?: string };
    if (body.bus === 'up') return;
  }
  throw new Error(`${url}: the bus did not come back up`);
}

async function round(a: TesseraProc, b: TesseraProc, agent: Agent, n: number, proxy?: TcpProxy): Promise<RoundResult> {
  await Promise.all([busUp(a.url), busUp(b.url)]);
  const how: Stop = n % 2 === 0 ? 'deactivate' : 'revoke';
  const target = await tokenToStop(a, n, how);
  const auth = `Bearer ${b.adminToken}`;
  const body = JSON.stringify({ token: target.secret });
  if (!(await verifyOnce(agent, b.port, auth, body))) throw new Error('B did not accept the fresh PAT');
  const samples: Sample[] = [];
  let stop = false;
  const workers = Array.from({ length: CONCURRENCY }, async () => {
    const deadline = now() + (MODE === 'normal' ? 5_000 : BOUND_MS + STALL_MS + 8_000);
    while (!stop && now() < deadline) {
      const sent = now();
      const valid = await verifyOnce(agent, b.port, auth, body);
      samples.push({ sent, received: now(), valid });
    }
  });
  await sleep(50);
  if (MODE === 'partition') proxy?.hold();
  let stalled: Promise<void> | undefined;
  if (MODE === 'stall') {
    process.kill(b.pid, 'SIGSTOP');
    stalled = sleep(STALL_MS).then(() => void process.kill(b.pid, 'SIGCONT'));
  }
  const mutationSent = now();
  await target.stop();
  const mutationReturned = now();
  // Keep hammering for a while after the first rejection so late acceptances would show.
  const until = now() + (MODE === 'normal' ? 2_000 : BOUND_MS + STALL_MS + 3_000);
  while (now() < until && !samples.some((s) => !s.valid && s.received >= mutationSent)) await sleep(1);
  await sleep(MODE === 'normal' ? 100 : 500);
  stop = true;
  await Promise.all(workers);
  await stalled;
  proxy?.release();
  const firstRejection = Math.min(...samples.filter((s) => !s.valid).map((s) => s.received));
  const accepted = samples.filter((s) => s.valid);
  return {
    how,
    lastAcceptedSentMs: Math.max(...accepted.map((s) => s.sent)) - mutationReturned,
    firstRejectedSentMs: Math.min(...samples.filter((s) => !s.valid).map((s) => s.sent)) - mutationReturned,
    verifyMs: median(samples.map((s) => s.received - s.sent)),
    mutationMs: mutationReturned - mutationSent,
    fromResponseMs: firstRejection - mutationReturned,
    fromRequestMs: firstRejection - mutationSent,
    acceptedAfter: samples.filter((s) => s.valid && s.sent > mutationReturned).length,
    inFlightAccepted: samples.filter((s) => s.valid && s.sent <= mutationReturned && s.received > mutationReturned).length,
    requests: samples.length,
  };
}

async function redisRound(url: string): Promise<number[]> {
  const pub = new Redis(url);
  const sub = new Redis(url);
  try {
    await sub.subscribe('bench:latency');
    const latencies: number[] = [];
    for (let i = 0; i < REDIS_SAMPLES; i += 1) {
      const got = new Promise<number>((resolve) => sub.once('message', () => resolve(now())));
      const sent = now();
      await pub.publish('bench:latency', JSON.stringify({ origin: 'bench', evictTokenIds: ['pat_x'], id: String(i) }));
      latencies.push((await got) - sent);
    }
    return latencies;
  } finally {
    pub.disconnect();
    sub.disconnect();
  }
}

async function run(): Promise<void> {
  const [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
  const proxy = MODE === 'partition' ? await startTcpProxy(redis.port) : undefined;
  let a: TesseraProc | undefined;
  let b: TesseraProc | undefined;
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  try {
    const databaseUrl = await postgres.createDatabase('bench_revocation');
    const shared = { databaseUrl, redisUrl: redis.url, secretKey: 'ab'.repeat(32), adminToken: `bench-admin-${'c'.repeat(40)}` };
    a = await startTessera(shared);
    b = await startTessera({ ...shared, redisUrl: proxy?.url ?? redis.url });
    const fault =
      MODE === 'partition' ? ", B's Redis traffic HELD across the revoke" : MODE === 'stall' ? `, B frozen (SIGSTOP) ${STALL_MS} ms across the revoke` : '';
    console.log(
      `\n## revocation-propagation${MODE === 'normal' ? '' : ` --${MODE}`} — revoke a PAT or deactivate its owner on A (alternating rounds), hammer POST /v1/verify on B (${CONCURRENCY} connections)${fault}, ${ROUNDS} rounds; baseline Redis PUBLISH→message (${REDIS_SAMPLES} per round), alternating`,
    );
    await round(a, b, agent, 0, proxy); // warm-up
    await redisRound(redis.url);
    const results: RoundResult[] = [];
    const redisLatencies: number[] = [];
    const redisMedians: number[] = [];
    for (let n = 1; n <= ROUNDS; n += 1) {
      results.push(await round(a, b, agent, n, proxy));
      const latencies = await redisRound(redis.url);
      redisLatencies.push(...latencies);
      redisMedians.push(median(latencies));
    }
    const col = (pick: (r: RoundResult) => number) => results.map(pick);
    const stats = (values: number[], digits = 2) => [
      fmt(median(values), digits),
      fmt(quantile(values, 0.95), digits),
      fmt(Math.min(...values), digits),
      fmt(Math.max(...values), digits),
    ];
    table(
      ['measure (ms unless count)', 'median', 'p95', 'min', 'max'],
      [
        ['revoke mutation round trip on A', ...stats(col((r) => r.mutationMs))],
        ['(a) mutation response → B first rejection', ...stats(col((r) => r.fromResponseMs))],
        ['mutation request → B first rejection', ...stats(col((r) => r.fromRequestMs))],
        ['last accepted request SENT − mutation response', ...stats(col((r) => r.lastAcceptedSentMs))],
        ['first rejected request SENT − mutation response', ...stats(col((r) => r.firstRejectedSentMs))],
        ['verify round trip on B during the round', ...stats(col((r) => r.verifyMs))],
        [
          '(b) accepted, sent after the response',
          ...stats(
            col((r) => r.acceptedAfter),
            0,
          ),
        ],
        [
          'accepted, sent before / answered after',
          ...stats(
            col((r) => r.inFlightAccepted),
            0,
          ),
        ],
        [
          'verify requests on B per round',
          ...stats(
            col((r) => r.requests),
            0,
          ),
        ],
        ['baseline Redis PUBLISH→message', ...stats(redisLatencies, 3)],
      ],
    );
    const totalAfter = col((r) => r.acceptedAfter).reduce((x, y) => x + y, 0);
    if (MODE === 'normal') {
      const by = (how: Stop) => results.filter((r) => r.how === how).reduce((x, r) => x + r.acceptedAfter, 0);
      console.log(
        `(b) requests accepted after the mutation returned, all rounds: ${totalAfter} (revoke ${by('revoke')}, owner deactivated ${by('deactivate')}; target 0) → ${totalAfter === 0 ? 'MET' : 'NOT MET'}`,
      );
    } else {
      const latest = Math.max(...col((r) => r.lastAcceptedSentMs));
      console.log(
        `(b) requests accepted after the mutation returned, all rounds: ${totalAfter}; the latest was SENT ${fmt(latest)} ms after the response (bound ${BOUND_MS} ms) → ${latest <= BOUND_MS ? 'MET' : 'NOT MET'}`,
      );
    }
    const redisP50 = median(redisLatencies);
    console.log(
      `ratio (mutation request → first rejection on B) / Redis PUBLISH→message, medians: ${fmt(median(col((r) => r.fromRequestMs)) / redisP50, 1)}× (${fmt(median(col((r) => r.fromRequestMs)))} ms vs ${fmt(redisP50, 3)} ms)`,
    );
    console.log(`ratio revoke round trip / Redis PUBLISH→message, medians: ${fmt(median(col((r) => r.mutationMs)) / redisP50, 1)}×`);
    console.log(
      '(a) counts by when answers ARRIVE, so it includes one verify round trip on B; the SENT rows show when B switched: a last accepted request sent before the response (≤ 0) means B refused everything sent after it.',
    );
  } finally {
    agent.destroy();
    await a?.stop();
    await b?.stop();
    await proxy?.close();
    await Promise.all([postgres.stop(), redis.stop()]);
  }
}

main('revocation-propagation', run, MODE === 'normal' ? 240_000 : 600_000);
