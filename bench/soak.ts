/**
 * soak: two Tessera instances (A, B) on one PostgreSQL and one Redis (the test harness's private
 * servers), 5,000 `tokenEvents` graphql-ws subscribers split across them (a separate client
 * process on the client core), and for the whole run steady verify traffic (`POST /v1/verify` on
 * both, a valid PAT, a revoked one and garbage) plus paced mutations (create / revoke / delete a
 * PAT, refresh / regenerate a workflow token; alternately on A and B). The baseline is each
 * instance's own state after the warm-up with every subscriber connected: RSS (from /proc) and V8
 * heap used (prom-client's `nodejs_heap_size_used_bytes` on /metrics) are sampled every 5 s,
 * printed every 30 s, and compared end/start, with a least-squares RSS slope over the second half;
 * the servers run with --trace-gc, so the heap left after each full GC (the live set) is known too.
 * Memory is flat when, per instance, the RSS floor of the last quarter is ≤ 1.2× that of the first
 * and the live set's second-half slope is ≤ 1 MB/min (RSS itself swings with the GC sawtooth; see
 * bench/README.md). At the end the traffic stops, the subscribers drain, and every socket is checked
 * against the event history: exactly the events emitted since the subscribers' `after` id, in
 * order, once. 5-s windows with a stall are listed with what else ran on the machine.
 *
 *   node dist-bench/bench/soak.js [--quick] [--minutes N] [--subscribers N] [--verify-rate R]
 *                                 [--mutation-rate R] [--warmup S]
 *
 * Defaults: 10 minutes (--quick: 1), 5,000 subscribers, 300 verifies/s and 2 mutations/s in total,
 * 60 s warm-up (--quick: 15 s). Not part of run-all (it runs past run-all's per-benchmark limit).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startPostgres, startRedis } from '../test/harness/services';
import { CLIENT_CPU, ROOT, fmt, main, pinned, processCpuNs, sleep, startTessera, table, type TesseraProc } from './lib/common';
import {
  MINUTES,
  DURATION_MS,
  WARMUP_MS,
  SUBSCRIBERS,
  VERIFY_RATE,
  MUTATION_RATE,
  SAMPLE_MS,
  PRINT_MS,
  DRAIN_LIMIT_MS,
  MB,
  now,
  gql,
  M,
  historyIds,
  rssBytes,
  MachineLoad,
  scrape,
  StorageProbe,
  VerifyLoad,
  MutationLoad,
  Clients,
  watchLogs,
  waitFor,
  type VerifyCase,
  type ClientStatus,
  type ClientReport,
  type Sample,
} from './lib/soak-parts';
import { NAMES, WINDOW_COLUMNS, printStalls, printSummary, windowRow } from './lib/soak-report';
import { SoakReceiver } from './lib/soak-webhooks';

/** Which source the servers run (and a warning when dist/ is older than src/). */
function printSource(): void {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const built = statSync(join(ROOT, 'dist/src/main.js')).mtimeMs;
    const newest = (dir: string): number =>
      Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs)));
    const stale = newest(join(ROOT, 'src')) > built;
    console.log(
      `source: ${head}${dirty ? ` + uncommitted changes in src/ (${dirty.split('\n').length} files)` : ''}; dist/ built ${new Date(built).toISOString()}${stale ? ' — OLDER than src/: run npm run bench:build' : ''}; now ${new Date().toISOString()}, node ${process.version}`,
    );
  } catch {
    // not a git checkout
  }
}

/** Starts A and B on one database and one Redis (A migrates the schema first). */
async function startInstances(databaseUrl: string, redisUrl: string, into: TesseraProc[]): Promise<void> {
  const shared = {
    databaseUrl,
    redisUrl,
    secretKey: 'cd'.repeat(32),
    adminToken: `bench-admin-${'s'.repeat(40)}`,
    // One admin token holds every subscriber: lift the per-token connection cap.
    // The webhook receiver listens on loopback, in this process.
    env: { TESSERA_MAX_CONNECTIONS_PER_TOKEN: '100000', TESSERA_OUTBOUND_ALLOWED_HOSTS: '127.0.0.1' },
    // One line per full GC with the heap left after it (the live set); scavenges are not printed.
    nodeArgs: ['--trace-gc', '--trace-gc-ignore-scavenger'],
  };
  into.push(await startTessera(shared));
  into.push(await startTessera(shared));
}

/**
 * Fixtures: a valid PAT and a revoked one for the verify mix; a COMPONENT workflow and a person
 * (deactivated and reactivated in the mix) per instance; one webhook endpoint receiving every event.
 */
async function fixtures(instances: TesseraProc[], receiver: SoakReceiver): Promise<{ cases: VerifyCase[]; workflows: string[]; people: string[] }> {
  const a = instances[0];
  type Created = { secret: string; token: { id: string } };
  const valid = (await gql(a.url, a.adminToken, M.create, { input: { name: 'soak valid', duration: 'DAYS_90' } })).createPersonalAccessToken as Created;
  const revoked = (await gql(a.url, a.adminToken, M.create, { input: { name: 'soak revoked', duration: 'DAYS_90' } })).createPersonalAccessToken as Created;
  await gql(a.url, a.adminToken, M.revoke, { id: revoked.token.id });
  const workflows: string[] = [];
  for (const [i, t] of instances.entries()) {
    const data = await gql(t.url, t.adminToken, M.publish, { input: { name: `soak workflow ${NAMES[i]}`, startEvent: 'COMPONENT' } });
    workflows.push((data.publishWorkflow as { workflow: { id: string } }).workflow.id);
  }
  const people: string[] = [];
  for (const [i, t] of instances.entries()) {
    const input = { email: `soak-${NAMES[i].toLowerCase()}-${Date.now()}@example.com`, name: `Soak person ${NAMES[i]}`, role: 'DEVELOPER' };
    people.push((await gql(t.url, t.adminToken, M.createUser, { input })).createUser.user.id as string);
  }
  const hook = (await gql(a.url, a.adminToken, M.createWebhook, { input: { url: receiver.url } })).createWebhookEndpoint as { secret: string };
  receiver.useSecret(hook.secret);
  const cases: VerifyCase[] = [
    { body: JSON.stringify({ token: valid.secret }), check: (r) => r.valid === true },
    { body: JSON.stringify({ token: revoked.secret }), check: (r) => r.valid === false && r.reason === 'REVOKED' },
    { body: JSON.stringify({ token: `garbage-${'x'.repeat(40)}` }), check: (r) => r.valid === false },
  ];
  return { cases, workflows, people };
}

/** Connects every subscriber from the client process, replaying from `baseline`, and waits until each instance has them all. */
async function connectSubscribers(instances: TesseraProc[], clients: Clients, baseline: string): Promise<number[]> {
  const wsUrls = instances.map((t) => t.url.replace(/^http/, 'ws') + '/graphql');
  const connected = await clients.call<{ connected: number; ms: number }>(
    { cmd: 'connect', urls: wsUrls, total: SUBSCRIBERS, token: instances[0].adminToken, after: baseline },
    'connect subscribers',
    300_000,
  );
  const perInstance = [Math.ceil(SUBSCRIBERS / 2), Math.floor(SUBSCRIBERS / 2)];
  await waitFor('listeners registered', async () => (await Promise.all(instances.map(scrape))).every((s, i) => s.listeners >= perInstance[i]), 120_000);
  console.log(
    `${connected.connected} subscribers connected in ${fmt(connected.ms / 1000, 1)} s (A ${perInstance[0]}, B ${perInstance[1]}), replaying from event id ${baseline}; every listener registered (/metrics)`,
  );
  return perInstance;
}

/** Takes one sample of every instance, the client process, the traffic and the machine. */
function sampler(instances: TesseraProc[], clients: Clients, verifies: VerifyLoad[], mutations: MutationLoad[], probe: StorageProbe, perInstance: number[]) {
  const machine = new MachineLoad('bench_soak');
  machine.sample();
  const benchLag = monitorEventLoopDelay({ resolution: 10 });
  benchLag.enable();
  return async (t: number): Promise<Sample> => {
    const scrapes = await Promise.all(instances.map(scrape));
    const status = await clients.call<ClientStatus>({ cmd: 'status' }, 'client status', 30_000);
    const others = machine.sample();
    const verifyMs = verifies.flatMap((v) => v.window);
    const mutationMs = mutations.flatMap((m) => m.window);
    verifies.forEach((v) => (v.window = []));
    mutations.forEach((m) => (m.window = []));
    const benchLagMs = benchLag.max / 1e6;
    benchLag.reset();
    const storage = probe.take();
    for (const [i, s] of scrapes.entries()) {
      if (s.connections < perInstance[i] || s.listeners < perInstance[i])
        console.log(`note: ${NAMES[i]} shows ${s.connections} connections / ${s.listeners} listeners at t=${fmt(t / 1000, 0)} s`);
    }
    return {
      t,
      rss: instances.map((p) => rssBytes(p.pid)),
      heap: scrapes.map((s) => s.heapUsed),
      lagMax: scrapes.map((s) => s.lagMax),
      verifyMs,
      mutationMs,
      othersPct: others.othersPct,
      othersTop: others.top,
      benchLagMs,
      pgMs: storage.pg,
      redisMs: storage.redis,
      verifyBuckets: scrapes.map((x) => x.verifyBuckets),
      cpu: instances.map((p) => processCpuNs(p.pid)),
      clientRss: status.rss,
      clientCpu: processCpuNs(clients.child.pid!),
      received: status.received,
      verifies: verifies.reduce((x, v) => x + v.sent, 0),
      mutations: mutations.reduce((x, m) => x + m.total, 0),
    };
  };
}

/** The measured window: a sample every 5 s, a printed row every 30 s. */
async function measure(
  take: (t: number) => Promise<Sample>,
  logs: ReturnType<typeof watchLogs>[],
): Promise<{ samples: Sample[]; rows: (string | number)[][]; origin: number }> {
  const samples: Sample[] = [];
  const rows: (string | number)[][] = [];
  const origin = now();
  let last = await take(0);
  samples.push(last);
  let printed = last;
  rows.push(windowRow(samples, last, last, 'start', logs, origin));
  for (let k = 1; k * SAMPLE_MS <= DURATION_MS; k += 1) {
    const due = origin + k * SAMPLE_MS;
    if (due > now()) await sleep(due - now());
    last = await take(now() - origin);
    samples.push(last);
    const final = (k + 1) * SAMPLE_MS > DURATION_MS;
    if (k % Math.round(PRINT_MS / SAMPLE_MS) === 0 || final) {
      rows.push(windowRow(samples, last, printed, final ? `end ${fmt(last.t / 1000, 0)} s` : `${fmt(last.t / 1000, 0)} s`, logs, origin));
      printed = last;
    }
  }
  return { samples, rows, origin };
}

/** After the traffic stops: waits until every subscriber has the last event of the history (or the limit). */
async function drain(a: TesseraProc, clients: Clients, baseline: string): Promise<{ ids: number[]; drained: boolean; drainMs: number }> {
  const stopped = now();
  let ids = await historyIds(a, baseline);
  for (const deadline = Date.now() + DRAIN_LIMIT_MS; Date.now() < deadline;) {
    const target = ids.length ? ids[ids.length - 1] : Number(baseline);
    const status = await clients.call<ClientStatus>({ cmd: 'status' }, 'client status', 30_000);
    if (status.minLast >= target && status.received >= ids.length * status.sockets) {
      // Anything emitted meanwhile (the expiry sweep)? Then wait for that too.
      const again = await historyIds(a, baseline);
      if (again.length === ids.length) return { ids, drained: true, drainMs: now() - stopped };
      ids = again;
      continue;
    }
    if (status.open < status.sockets && status.minLast < target) {
      // A closed socket will never catch up; do not wait the full limit for it.
      const open = status.open;
      await sleep(2_000);
      const later = await clients.call<ClientStatus>({ cmd: 'status' }, 'client status', 30_000);
      if (later.open === open && later.received === status.received) break;
    }
    await sleep(250);
  }
  return { ids, drained: false, drainMs: now() - stopped };
}

async function run(): Promise<void> {
  console.log(
    `\n## soak — A and B on one PostgreSQL + one Redis, ${SUBSCRIBERS.toLocaleString('en-US')} tokenEvents subscribers split across them; ${fmt(VERIFY_RATE, 0)} verifies/s and ${fmt(MUTATION_RATE, 0)} mutations/s in total for ${fmt(MINUTES, 1)} min after a ${fmt(WARMUP_MS / 1000, 0)} s warm-up`,
  );
  printSource();
  const [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
  const receiver = new SoakReceiver();
  const instances: TesseraProc[] = [];
  let clients: Clients | undefined;
  let probe: StorageProbe | undefined;
  try {
    const databaseUrl = await postgres.createDatabase('bench_soak');
    await startInstances(databaseUrl, redis.url, instances);
    const [a, b] = instances;
    const logs = instances.map(watchLogs);
    await receiver.start();
    const { cases, workflows, people } = await fixtures(instances, receiver);

    // Subscribers replay from here: nothing emitted after this id can be missed by a race.
    const before = await historyIds(a, '0');
    const baseline = String(before.length ? before[before.length - 1] : 0);
    clients = new Clients(pinned(CLIENT_CPU, [process.execPath, join(ROOT, 'dist-bench/bench/soak-clients.js')], {}, ['ignore', 'inherit', 'inherit', 'ipc']));
    const perInstance = await connectSubscribers(instances, clients, baseline);

    // Traffic, then the warm-up, then the measured window.
    const verifies = instances.map((t) => new VerifyLoad(t, VERIFY_RATE / 2, cases));
    const mutations = instances.map((t, i) => new MutationLoad(t, NAMES[i], MUTATION_RATE / 2, workflows[i], people[i]));
    verifies.forEach((v) => v.start());
    mutations.forEach((m) => m.start());
    probe = new StorageProbe(databaseUrl, redis.url);
    probe.start();
    const take = sampler(instances, clients, verifies, mutations, probe, perInstance);
    await sleep(WARMUP_MS);
    console.log(
      `warm-up done (${fmt(WARMUP_MS / 1000, 0)} s): ${verifies.reduce((x, v) => x + v.sent, 0)} verifies, ${mutations.reduce((x, m) => x + m.total, 0)} mutations so far`,
    );
    const { samples, rows, origin } = await measure(take, logs);

    // Stop the traffic, then wait for every subscriber to reach the last event of the history.
    await Promise.all([...verifies.map((v) => v.stop()), ...mutations.map((m) => m.stop())]);
    const { ids, drained, drainMs } = await drain(a, clients, baseline);
    const afterDrain = await take(now() - origin);
    const report = await clients.call<ClientReport>({ cmd: 'report', ids }, 'client report', 120_000);
    const historyB = await historyIds(b, baseline);
    const webhooks = await receiver.tally(ids, 120_000);

    table(WINDOW_COLUMNS, rows);
    printStalls(samples);
    console.log(
      `after the drain (${fmt(drainMs / 1000, 1)} s after the traffic stopped): RSS A ${fmt(afterDrain.rss[0] / MB, 1)} MB, B ${fmt(afterDrain.rss[1] / MB, 1)} MB; heap A ${fmt(afterDrain.heap[0] / MB, 1)} MB, B ${fmt(afterDrain.heap[1] / MB, 1)} MB; clients ${fmt(afterDrain.clientRss / MB, 1)} MB`,
    );
    printSummary({ samples, logs, origin, verifies, mutations, report, ids, historyB, drained, drainMs, webhooks });
  } finally {
    await probe?.stop().catch(() => undefined);
    if (clients) await clients.call({ cmd: 'close' }, 'close clients', 30_000).catch(() => undefined);
    for (const t of instances) await t.stop();
    await Promise.all([postgres.stop(), redis.stop(), receiver.close()]);
  }
}

main('soak', run, WARMUP_MS + DURATION_MS + 10 * 60_000);
