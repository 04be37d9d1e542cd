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
import { execFileSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { startPostgres, startRedis } from '../test/harness/services';
import {
  CLIENT_CPU,
  QUICK,
  ROOT,
  fmt,
  main,
  mean,
  median,
  pinned,
  processCpuNs,
  quantile,
  sleep,
  startTessera,
  table,
  withDeadline,
  type TesseraProc,
} from './lib/common';
import {
  option,
  MINUTES,
  DURATION_MS,
  WARMUP_MS,
  SUBSCRIBERS,
  VERIFY_RATE,
  MUTATION_RATE,
  SAMPLE_MS,
  PRINT_MS,
  STALL_MS,
  DRAIN_LIMIT_MS,
  FLAT_RATIO,
  FLAT_SLOPE_MB_PER_MIN,
  MB,
  now,
  gql,
  M,
  HISTORY,
  historyIds,
  rssBytes,
  MachineLoad,
  Scrape,
  scrape,
  bucketP99,
  bucketMs,
  StorageProbe,
  slope,
  VerifyCase,
  VerifyLoad,
  MutationLoad,
  Clients,
  ClientStatus,
  ClientReport,
  ServerLog,
  watchLogs,
  waitFor,
  Sample,
} from './lib/soak-parts';

async function run(): Promise<void> {
  console.log(
    `\n## soak — A and B on one PostgreSQL + one Redis, ${SUBSCRIBERS.toLocaleString('en-US')} tokenEvents subscribers split across them; ${fmt(VERIFY_RATE, 0)} verifies/s and ${fmt(MUTATION_RATE, 0)} mutations/s in total for ${fmt(MINUTES, 1)} min after a ${fmt(WARMUP_MS / 1000, 0)} s warm-up`,
  );
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
  const [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
  const instances: TesseraProc[] = [];
  let clients: Clients | undefined;
  let probe: StorageProbe | undefined;
  try {
    const databaseUrl = await postgres.createDatabase('bench_soak');
    const shared = {
      databaseUrl,
      redisUrl: redis.url,
      secretKey: 'cd'.repeat(32),
      adminToken: `bench-admin-${'s'.repeat(40)}`,
      // One admin token holds every subscriber: lift the per-token connection cap.
      env: { TESSERA_MAX_CONNECTIONS_PER_TOKEN: '100000' },
      // One line per full GC with the heap left after it (the live set); scavenges are not printed.
      nodeArgs: ['--trace-gc', '--trace-gc-ignore-scavenger'],
    };
    instances.push(await startTessera(shared)); // A migrates the schema first
    instances.push(await startTessera(shared));
    const [a, b] = instances;
    const names = ['A', 'B'];
    const logs = instances.map(watchLogs);

    // Fixtures: a valid PAT and a revoked one for the verify mix; a COMPONENT workflow per instance.
    const valid = (await gql(a.url, a.adminToken, M.create, { input: { name: 'soak valid', duration: 'DAYS_90' } })).createPersonalAccessToken as {
      secret: string;
      token: { id: string };
    };
    const revoked = (await gql(a.url, a.adminToken, M.create, { input: { name: 'soak revoked', duration: 'DAYS_90' } })).createPersonalAccessToken as {
      secret: string;
      token: { id: string };
    };
    await gql(a.url, a.adminToken, M.revoke, { id: revoked.token.id });
    const workflows: string[] = [];
    for (const [i, t] of instances.entries()) {
      const data = await gql(t.url, t.adminToken, M.publish, { input: { name: `soak workflow ${names[i]}`, startEvent: 'COMPONENT' } });
      workflows.push((data.publishWorkflow as { workflow: { id: string } }).workflow.id);
    }
    const cases: VerifyCase[] = [
      { body: JSON.stringify({ token: valid.secret }), check: (r) => r.valid === true },
      { body: JSON.stringify({ token: revoked.secret }), check: (r) => r.valid === false && r.reason === 'REVOKED' },
      { body: JSON.stringify({ token: `garbage-${'x'.repeat(40)}` }), check: (r) => r.valid === false },
    ];

    // Subscribers replay from here: nothing emitted after this id can be missed by a race.
    const before = await historyIds(a, '0');
    const baseline = String(before.length ? before[before.length - 1] : 0);
    const child = pinned(CLIENT_CPU, [process.execPath, join(ROOT, 'dist-bench/bench/soak-clients.js')], {}, ['ignore', 'inherit', 'inherit', 'ipc']);
    clients = new Clients(child);
    const clientPid = child.pid!;
    const wsUrls = instances.map((t) => t.url.replace(/^http/, 'ws') + '/graphql');
    const connected = await clients.call<{ connected: number; ms: number }>(
      { cmd: 'connect', urls: wsUrls, total: SUBSCRIBERS, token: a.adminToken, after: baseline },
      'connect subscribers',
      300_000,
    );
    const perInstance = [Math.ceil(SUBSCRIBERS / 2), Math.floor(SUBSCRIBERS / 2)];
    await waitFor('listeners registered', async () => (await Promise.all(instances.map(scrape))).every((s, i) => s.listeners >= perInstance[i]), 120_000);
    console.log(
      `${connected.connected} subscribers connected in ${fmt(connected.ms / 1000, 1)} s (A ${perInstance[0]}, B ${perInstance[1]}), replaying from event id ${baseline}; every listener registered (/metrics)`,
    );

    // Traffic.
    const verifies = instances.map((t) => new VerifyLoad(t, VERIFY_RATE / 2, cases));
    const mutations = instances.map((t, i) => new MutationLoad(t, names[i], MUTATION_RATE / 2, workflows[i]));
    verifies.forEach((v) => v.start());
    mutations.forEach((m) => m.start());
    const verifySent = () => verifies.reduce((x, v) => x + v.sent, 0);
    const mutationsDone = () => mutations.reduce((x, m) => x + m.total, 0);

    const samples: Sample[] = [];
    const machine = new MachineLoad('bench_soak');
    probe = new StorageProbe(databaseUrl, redis.url);
    probe.start();
    machine.sample();
    const benchLag = monitorEventLoopDelay({ resolution: 10 });
    benchLag.enable();
    const take = async (t: number): Promise<Sample> => {
      const scrapes = await Promise.all(instances.map(scrape));
      const status = await clients!.call<ClientStatus>({ cmd: 'status' }, 'client status', 30_000);
      const others = machine.sample();
      const verifyMs = verifies.flatMap((v) => v.window);
      const mutationMs = mutations.flatMap((m) => m.window);
      verifies.forEach((v) => (v.window = []));
      mutations.forEach((m) => (m.window = []));
      const benchLagMs = benchLag.max / 1e6;
      benchLag.reset();
      const storage = probe!.take();
      const sample: Sample = {
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
        clientCpu: processCpuNs(clientPid),
        received: status.received,
        verifies: verifySent(),
        mutations: mutationsDone(),
      };
      for (const [i, s] of scrapes.entries()) {
        if (s.connections < perInstance[i] || s.listeners < perInstance[i])
          console.log(`note: ${names[i]} shows ${s.connections} connections / ${s.listeners} listeners at t=${fmt(t / 1000, 0)} s`);
      }
      return sample;
    };

    await sleep(WARMUP_MS);
    console.log(`warm-up done (${fmt(WARMUP_MS / 1000, 0)} s): ${verifySent()} verifies, ${mutationsDone()} mutations so far`);

    // The measured window.
    const rows: (string | number)[][] = [];
    const origin = now();
    let last = await take(0);
    samples.push(last);
    let printed = last;
    /** The heap after the last full GC before `t` (the live set), MB. */
    const live = (i: number, t: number): string => {
      const before = logs[i].fullGcs.filter((g) => g.at - origin <= t);
      return before.length ? fmt(before[before.length - 1].afterMb, 0) : '–';
    };
    const row = (s: Sample, prev: Sample, label: string) => {
      const dt = (s.t - prev.t) / 1000 || NaN;
      const span = samples.filter((x) => x.t > prev.t && x.t <= s.t);
      const window = span.length ? span : [s];
      const vWindow = window.flatMap((x) => x.verifyMs);
      const mWindow = window.flatMap((x) => x.mutationMs);
      const lagMax = (i: number) => Math.max(...window.map((x) => x.lagMax[i])) * 1000;
      rows.push([
        label,
        fmt(s.rss[0] / MB, 1),
        `${fmt(s.heap[0] / MB, 0)} / ${live(0, s.t)}`,
        fmt(s.rss[1] / MB, 1),
        `${fmt(s.heap[1] / MB, 0)} / ${live(1, s.t)}`,
        fmt(s.clientRss / MB, 1),
        Number.isFinite(dt) ? `${fmt(((s.cpu[0] - prev.cpu[0]) / 1e9 / dt) * 100, 0)}% / ${fmt(((s.cpu[1] - prev.cpu[1]) / 1e9 / dt) * 100, 0)}%` : '–',
        Number.isFinite(dt) ? `${fmt(((s.clientCpu - prev.clientCpu) / 1e9 / dt) * 100, 0)}%` : '–',
        `${fmt(lagMax(0), 0)} / ${fmt(lagMax(1), 0)}`,
        Number.isFinite(dt) ? fmt((s.verifies - prev.verifies) / dt, 0) : '–',
        vWindow.length ? fmt(quantile(vWindow, 0.99), 1) : '–',
        Number.isFinite(dt) ? fmt((s.mutations - prev.mutations) / dt, 1) : '–',
        mWindow.length ? fmt(quantile(mWindow, 0.99), 0) : '–',
        Number.isFinite(dt) ? fmt((s.received - prev.received) / dt, 0) : '–',
        `${fmt(mean(window.map((x) => x.othersPct)), 0)}%`,
      ]);
    };
    row(last, last, 'start');
    for (let k = 1; k * SAMPLE_MS <= DURATION_MS; k += 1) {
      const due = origin + k * SAMPLE_MS;
      if (due > now()) await sleep(due - now());
      last = await take(now() - origin);
      samples.push(last);
      if (k % Math.round(PRINT_MS / SAMPLE_MS) === 0 || (k + 1) * SAMPLE_MS > DURATION_MS) {
        row(last, printed, (k + 1) * SAMPLE_MS > DURATION_MS ? `end ${fmt(last.t / 1000, 0)} s` : `${fmt(last.t / 1000, 0)} s`);
        printed = last;
      }
    }
    const start = samples[0];
    const end = samples[samples.length - 1];
    const measuredS = (end.t - start.t) / 1000;

    // Stop the traffic, then wait for every subscriber to reach the last event of the history.
    await Promise.all([...verifies.map((v) => v.stop()), ...mutations.map((m) => m.stop())]);
    const stopped = now();
    let ids = await historyIds(a, baseline);
    let drained = false;
    for (const deadline = Date.now() + DRAIN_LIMIT_MS; Date.now() < deadline;) {
      const target = ids.length ? ids[ids.length - 1] : Number(baseline);
      const status = await clients.call<ClientStatus>({ cmd: 'status' }, 'client status', 30_000);
      if (status.minLast >= target && status.received >= ids.length * status.sockets) {
        // Anything emitted meanwhile (the expiry sweep)? Then wait for that too.
        const again = await historyIds(a, baseline);
        if (again.length === ids.length) {
          drained = true;
          break;
        }
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
    const drainMs = now() - stopped;
    const afterDrain = await take(now() - origin);
    const report = await clients.call<ClientReport>({ cmd: 'report', ids }, 'client report', 120_000);
    const historyB = await historyIds(b, baseline);

    table(
      [
        't',
        'A RSS MB',
        'A heap used / live MB',
        'B RSS MB',
        'B heap used / live MB',
        'clients RSS MB',
        'CPU A / B',
        'CPU clients',
        'loop lag max ms A / B',
        'verify/s',
        'verify p99 ms',
        'mut/s',
        'mut p99 ms',
        'deliveries/s',
        'other procs CPU',
      ],
      rows,
    );
    // 5-second windows where something stalled, with what else ran on the machine then.
    const stalls = samples.filter(
      (x) => x.t > 0 && (quantile(x.verifyMs, 0.99) > STALL_MS || Math.max(...x.lagMax) * 1000 > STALL_MS || x.benchLagMs > STALL_MS),
    );
    if (stalls.length) {
      console.log(
        `\n5-s windows with a stall (verify p99, a server's event-loop delay or this load generator's own delay > ${STALL_MS} ms): ${stalls.length} of ${samples.length - 1}`,
      );
      table(
        [
          't',
          'verify p99 ms',
          'verify max ms',
          'server-side verify p99 ≤ ms A / B',
          'loop lag max ms A / B',
          'load generator lag ms',
          'PG / Redis max ms',
          'CPU A / B',
          'other procs CPU',
          'busiest other processes',
        ],
        stalls.slice(0, 30).map((x) => {
          const prev = samples[samples.indexOf(x) - 1];
          const dt = (x.t - prev.t) / 1000;
          return [
            `${fmt(prev.t / 1000, 0)}–${fmt(x.t / 1000, 0)} s`,
            fmt(quantile(x.verifyMs, 0.99), 0),
            fmt(Math.max(...x.verifyMs), 0),
            [0, 1].map((i) => bucketMs(bucketP99(prev.verifyBuckets[i], x.verifyBuckets[i]))).join(' / '),
            `${fmt(x.lagMax[0] * 1000, 0)} / ${fmt(x.lagMax[1] * 1000, 0)}`,
            fmt(x.benchLagMs, 0),
            `${fmt(x.pgMs, 1)} / ${fmt(x.redisMs, 1)}`,
            `${fmt(((x.cpu[0] - prev.cpu[0]) / 1e9 / dt) * 100, 0)}% / ${fmt(((x.cpu[1] - prev.cpu[1]) / 1e9 / dt) * 100, 0)}%`,
            `${fmt(x.othersPct, 0)}%`,
            x.othersTop.join(', '),
          ];
        }),
      );
    }
    console.log(
      `after the drain (${fmt(drainMs / 1000, 1)} s after the traffic stopped): RSS A ${fmt(afterDrain.rss[0] / MB, 1)} MB, B ${fmt(afterDrain.rss[1] / MB, 1)} MB; heap A ${fmt(afterDrain.heap[0] / MB, 1)} MB, B ${fmt(afterDrain.heap[1] / MB, 1)} MB; clients ${fmt(afterDrain.clientRss / MB, 1)} MB`,
    );

    // Memory: end/start and the second half's slope, per instance.
    const secondHalf = samples.filter((s) => s.t >= DURATION_MS / 2);
    // RSS swings with V8's GC sawtooth (±100 MB here, a full GC about every minute), so single
    // readings and their slope say little. The verdict compares RSS FLOORS (the lowest reading) of
    // the first and last quarter of the window (each spans a few GC cycles), and takes the slope of
    // the live heap (the heap left after each full GC) over the second half (over the whole window
    // when the second half has fewer than 3 full GCs).
    const edge = DURATION_MS / 4;
    const firstQuarter = samples.filter((s) => s.t <= edge);
    const lastQuarter = samples.filter((s) => s.t >= end.t - edge);
    const memory = instances.map((_, i) => {
      const rssSlope = slope(secondHalf.map((s) => ({ x: s.t / 60_000, y: s.rss[i] / MB })));
      const heapSlope = slope(secondHalf.map((s) => ({ x: s.t / 60_000, y: s.heap[i] / MB })));
      const rssPointRatio = end.rss[i] / start.rss[i];
      const rssFirst = Math.min(...firstQuarter.map((s) => s.rss[i]));
      const rssLast = Math.min(...lastQuarter.map((s) => s.rss[i]));
      const rssRatio = rssLast / rssFirst;
      const peakFirst = Math.max(...firstQuarter.map((s) => s.rss[i]));
      const peakLast = Math.max(...lastQuarter.map((s) => s.rss[i]));
      const heapRatio = end.heap[i] / start.heap[i];
      const gcs = logs[i].fullGcs.map((g) => ({ t: g.at - origin, mb: g.afterMb })).filter((g) => g.t >= 0 && g.t <= end.t);
      const gcsSecond = gcs.filter((g) => g.t >= DURATION_MS / 2);
      const slopeOver = gcsSecond.length >= 3 ? gcsSecond : gcs.length >= 3 ? gcs : [];
      const liveSlope = slope(slopeOver.map((g) => ({ x: g.t / 60_000, y: g.mb })));
      const slopeBasis =
        slopeOver.length === 0
          ? 'fewer than 3 full GCs: no slope'
          : slopeOver === gcsSecond
            ? `live heap, second half, ${slopeOver.length} full GCs`
            : `live heap, whole window, ${slopeOver.length} full GCs`;
      const verdictSlope = liveSlope;
      const flat = rssRatio <= FLAT_RATIO && (slopeOver.length === 0 || verdictSlope <= FLAT_SLOPE_MB_PER_MIN);
      return {
        rssRatio,
        rssPointRatio,
        rssFirst,
        rssLast,
        peakFirst,
        peakLast,
        heapRatio,
        rssSlope,
        heapSlope,
        gcs,
        gcsSecond: gcsSecond.length,
        liveSlope,
        slopeBasis,
        verdictSlope,
        flat,
        rssMax: Math.max(...samples.map((s) => s.rss[i])),
        rssMin: Math.min(...samples.map((s) => s.rss[i])),
      };
    });
    const clientSlope = slope(secondHalf.map((s) => ({ x: s.t / 60_000, y: s.clientRss / MB })));

    // Traffic totals.
    const v = { sent: 0, ok: 0, non2xx: 0, transport: 0, wrong: 0, shed: 0 };
    for (const x of verifies) for (const k of Object.keys(v) as (keyof typeof v)[]) v[k] += x[k];
    const vLat = verifies.flatMap((x) => x.latencies);
    const keepAliveRetries = verifies.reduce((x, y) => x + y.keepAliveRetries, 0);
    const byMutation: Record<string, number> = {};
    for (const m of mutations) for (const [k, n] of Object.entries(m.done)) byMutation[k] = (byMutation[k] ?? 0) + n;
    const mLat = mutations.flatMap((m) => m.latencies);
    const mFailed = mutations.reduce((x, m) => x + m.failed, 0);
    const problemsNoted = [...verifies.flatMap((x) => x.samples), ...mutations.flatMap((m) => m.samples)];
    const logErrors = logs.reduce((x, l) => x + l.error, 0);
    const logWarns = logs.reduce((x, l) => x + l.warn, 0);

    // Delivery lag by time: first half vs second half of the events (by when they occurred).
    const lagOf = (list: { occurred: number; ms: number }[], fromFraction: number, toFraction: number) => {
      const sorted = [...list].sort((p, q) => p.occurred - q.occurred);
      return sorted.slice(Math.floor(sorted.length * fromFraction), Math.floor(sorted.length * toFraction)).map((p) => p.ms);
    };
    const lastLagAll = report.lagLast.map((p) => p.ms);
    const lastLagEarly = lagOf(report.lagLast, 0, 0.5);
    const lastLagLate = lagOf(report.lagLast, 0.5, 1);

    const expectedDeliveries = ids.length * report.sockets;
    const noErrors =
      v.non2xx === 0 &&
      v.transport === 0 &&
      v.wrong === 0 &&
      mFailed === 0 &&
      report.errors === 0 &&
      report.completes === 0 &&
      report.closed === 0 &&
      report.unparsable === 0 &&
      logErrors === 0;
    const delivered =
      drained &&
      report.complete === SUBSCRIBERS &&
      report.sockets === SUBSCRIBERS &&
      report.missing === 0 &&
      report.duplicates === 0 &&
      report.unexpected === 0 &&
      report.backwards === 0;
    const flat = memory.every((m) => m.flat);

    console.log('\nsummary:');
    table(
      ['measure', 'value'],
      [
        ['measured window (after warm-up)', `${fmt(measuredS / 60, 1)} min (+ ${fmt(WARMUP_MS / 1000, 0)} s warm-up, traffic and checks cover both)`],
        [
          'subscribers (tokenEvents, graphql-ws)',
          `${report.sockets.toLocaleString('en-US')} (${report.byTarget.map((t) => `${names[t.target]} ${t.sockets}`).join(', ')})`,
        ],
        [
          'mutations done / failed',
          `${mutationsDone().toLocaleString('en-US')} / ${mFailed} (${Object.entries(byMutation)
            .map(([k, n]) => `${k.replace(/PersonalAccessToken|WorkflowToken/, '')} ${n}`)
            .join(', ')}); p50 ${fmt(median(mLat), 1)} ms, p99 ${fmt(quantile(mLat, 0.99), 1)} ms`,
        ],
        [
          'verifies sent / non-2xx / transport errors / wrong answers / shed',
          `${v.sent.toLocaleString('en-US')} / ${v.non2xx} / ${v.transport} / ${v.wrong} / ${v.shed}; p50 ${fmt(median(vLat), 2)} ms, p99 ${fmt(quantile(vLat, 0.99), 1)} ms${keepAliveRetries ? `; ${keepAliveRetries} retried after a keep-alive reset` : ''}`,
        ],
        [
          "events emitted (history, since the subscribers' after id)",
          `${ids.length.toLocaleString('en-US')} (${Object.entries(report.types)
            .map(([k, n]) => `${k} ${n}`)
            .join(
              ', ',
            )}); B's history agrees: ${historyB.length === ids.length && historyB.every((id, i) => id === ids[i]) ? 'yes' : `NO (${historyB.length})`}`,
        ],
        [
          'subscribers complete (exact sequence, no error/close)',
          `${report.complete.toLocaleString('en-US')} / ${report.sockets.toLocaleString('en-US')} (${report.byTarget.map((t) => `${names[t.target]} ${t.complete}/${t.sockets}`).join(', ')})`,
        ],
        [
          'deliveries expected / missing / duplicate / unexpected',
          `${expectedDeliveries.toLocaleString('en-US')} / ${report.missing} / ${report.duplicates} / ${report.unexpected}`,
        ],
        ['out-of-order first deliveries', String(report.backwards)],
        ['subscriber error / complete / closed sockets', `${report.errors} / ${report.completes} / ${report.closed}`],
        ['drain after traffic stopped', `${fmt(drainMs / 1000, 1)} s${drained ? '' : ' (NOT drained within the limit)'}`],
        [
          'delivery lag to the LAST subscriber (occurredAt → arrival)',
          `p50 ${fmt(median(lastLagAll), 0)} ms, p99 ${fmt(quantile(lastLagAll, 0.99), 0)} ms, max ${fmt(Math.max(...lastLagAll), 0)} ms; first half of events p50/p99 ${fmt(median(lastLagEarly), 0)}/${fmt(quantile(lastLagEarly, 0.99), 0)} ms, second half ${fmt(median(lastLagLate), 0)}/${fmt(quantile(lastLagLate, 0.99), 0)} ms`,
        ],
        ...instances.flatMap((_, i) => {
          const m = memory[i];
          const g = m.gcs;
          return [
            [
              `${names[i]} RSS start → end`,
              `${fmt(start.rss[i] / MB, 1)} → ${fmt(end.rss[i] / MB, 1)} MB: ${fmt(m.rssPointRatio, 3)}× (range ${fmt(m.rssMin / MB, 0)}–${fmt(m.rssMax / MB, 0)} MB); second-half slope ${fmt(m.rssSlope, 2)} MB/min`,
            ],
            [
              `${names[i]} RSS floor first → last quarter (peak)`,
              `${fmt(m.rssFirst / MB, 1)} → ${fmt(m.rssLast / MB, 1)} MB: ${fmt(m.rssRatio, 3)}× (peak ${fmt(m.peakFirst / MB, 1)} → ${fmt(m.peakLast / MB, 1)} MB: ${fmt(m.peakLast / m.peakFirst, 3)}×)`,
            ],
            [
              `${names[i]} heap after full GC (live set)`,
              g.length
                ? `${fmt(g[0].mb, 1)} → ${fmt(g[g.length - 1].mb, 1)} MB (${g.length} full GCs, ${m.gcsSecond} in the second half; min ${fmt(Math.min(...g.map((x) => x.mb)), 1)}, max ${fmt(Math.max(...g.map((x) => x.mb)), 1)}); second-half slope ${fmt(m.liveSlope, 2)} MB/min`
                : 'no full GC in the window',
            ],
            [
              `${names[i]} V8 heap used start → end (sampled)`,
              `${fmt(start.heap[i] / MB, 1)} → ${fmt(end.heap[i] / MB, 1)} MB: ${fmt(m.heapRatio, 3)}×; second-half slope ${fmt(m.heapSlope, 2)} MB/min`,
            ],
          ];
        }),
        ...instances.map((_, i) => [`${names[i]} CPU (core 0 share) over the window`, `${fmt(((end.cpu[i] - start.cpu[i]) / 1e9 / measuredS) * 100, 0)}%`]),
        [
          'client process RSS start → end',
          `${fmt(start.clientRss / MB, 1)} → ${fmt(end.clientRss / MB, 1)} MB (${fmt(end.clientRss / start.clientRss, 3)}×; second-half slope ${fmt(clientSlope, 2)} MB/min); CPU ${fmt(((end.clientCpu - start.clientCpu) / 1e9 / measuredS) * 100, 0)}%`,
        ],
        ['server log lines warn / error', `${logWarns} / ${logErrors}`],
      ],
    );
    for (const line of problemsNoted) console.log(`  problem: ${line}`);
    for (const line of report.failures) console.log(`  subscriber: ${line}`);
    for (const [i, l] of logs.entries()) for (const line of l.samples) console.log(`  ${names[i]} log: ${line}`);
    if (report.unexpected) console.log(`  unexpected event ids (sample): ${report.unexpectedSample.join(', ')}`);
    console.log(
      `no errors (verify non-2xx/transport/wrong, mutation failures, subscriber error/complete/close, server error logs all 0) → ${noErrors ? 'MET' : 'NOT MET'}`,
    );
    console.log(
      `every notice delivered (${report.complete}/${report.sockets} subscribers got exactly the ${ids.length} events; ${report.missing} missing, ${report.duplicates} duplicate, ${report.unexpected} unexpected, ${report.backwards} out of order) → ${delivered ? 'MET' : 'NOT MET'}`,
    );
    console.log(
      `memory flat (each instance: RSS floor last/first quarter ≤ ${FLAT_RATIO}× and slope of the live heap after full GCs ≤ ${FLAT_SLOPE_MB_PER_MIN} MB/min; ${memory.map((m, i) => `${names[i]} ${fmt(m.rssRatio, 3)}×, ${fmt(m.verdictSlope, 2)} MB/min (${m.slopeBasis})`).join('; ')}) → ${flat ? 'MET' : 'NOT MET'}${MINUTES < 5 ? ' (indicative only: under 5 minutes the quarters hold about one full GC each)' : ''}`,
    );
  } finally {
    await probe?.stop().catch(() => undefined);
    if (clients) await clients.call({ cmd: 'close' }, 'close clients', 30_000).catch(() => undefined);
    for (const t of instances) await t.stop();
    await Promise.all([postgres.stop(), redis.stop()]);
  }
}

main('soak', run, WARMUP_MS + DURATION_MS + 10 * 60_000);
