/**
 * The soak's reporting (bench/soak.ts): the 30-s window rows, the stalled windows, the memory
 * verdict per instance, and the summary with the three verdicts.
 */
import { fmt, mean, median, quantile, table } from './common';
import {
  DURATION_MS,
  FLAT_RATIO,
  FLAT_SLOPE_MB_PER_MIN,
  MB,
  MINUTES,
  STALL_MS,
  SUBSCRIBERS,
  WARMUP_MS,
  bucketMs,
  bucketP99,
  slope,
  type ClientReport,
  type MutationLoad,
  type Sample,
  type ServerLog,
  type VerifyLoad,
} from './soak-parts';
import type { WebhookTally } from './soak-webhooks';

export const NAMES = ['A', 'B'];

/** The columns of the window table (one row per 30 s). */
export const WINDOW_COLUMNS = [
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
];

/** One row of the window table: `s` against the previously printed sample `prev`. */
export function windowRow(samples: Sample[], s: Sample, prev: Sample, label: string, logs: ServerLog[], origin: number): (string | number)[] {
  /** The heap after the last full GC before `t` (the live set), MB. */
  const live = (i: number, t: number): string => {
    const before = logs[i].fullGcs.filter((g) => g.at - origin <= t);
    return before.length ? fmt(before[before.length - 1].afterMb, 0) : '–';
  };
  const dt = (s.t - prev.t) / 1000 || NaN;
  const span = samples.filter((x) => x.t > prev.t && x.t <= s.t);
  const window = span.length ? span : [s];
  const vWindow = window.flatMap((x) => x.verifyMs);
  const mWindow = window.flatMap((x) => x.mutationMs);
  const lagMax = (i: number) => Math.max(...window.map((x) => x.lagMax[i])) * 1000;
  const per = (value: number) => (Number.isFinite(dt) ? value / dt : NaN);
  const pct = (ns: number) => (Number.isFinite(dt) ? `${fmt((ns / 1e9 / dt) * 100, 0)}%` : '–');
  return [
    label,
    fmt(s.rss[0] / MB, 1),
    `${fmt(s.heap[0] / MB, 0)} / ${live(0, s.t)}`,
    fmt(s.rss[1] / MB, 1),
    `${fmt(s.heap[1] / MB, 0)} / ${live(1, s.t)}`,
    fmt(s.clientRss / MB, 1),
    Number.isFinite(dt) ? `${pct(s.cpu[0] - prev.cpu[0])} / ${pct(s.cpu[1] - prev.cpu[1])}` : '–',
    pct(s.clientCpu - prev.clientCpu),
    `${fmt(lagMax(0), 0)} / ${fmt(lagMax(1), 0)}`,
    Number.isFinite(dt) ? fmt(per(s.verifies - prev.verifies), 0) : '–',
    vWindow.length ? fmt(quantile(vWindow, 0.99), 1) : '–',
    Number.isFinite(dt) ? fmt(per(s.mutations - prev.mutations), 1) : '–',
    mWindow.length ? fmt(quantile(mWindow, 0.99), 0) : '–',
    Number.isFinite(dt) ? fmt(per(s.received - prev.received), 0) : '–',
    `${fmt(mean(window.map((x) => x.othersPct)), 0)}%`,
  ];
}

/** 5-second windows where something stalled, with what else ran on the machine then. */
export function printStalls(samples: Sample[]): void {
  const stalls = samples.filter(
    (x) => x.t > 0 && (quantile(x.verifyMs, 0.99) > STALL_MS || Math.max(...x.lagMax) * 1000 > STALL_MS || x.benchLagMs > STALL_MS),
  );
  if (!stalls.length) return;
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

/** One instance's memory over the measured window, and whether it held flat. */
export interface MemoryVerdict {
  rssRatio: number;
  /** The verdict's ratio: RSS peak of the last quarter / peak of the second quarter. */
  peakRatio: number;
  peakSecond: number;
  rssPointRatio: number;
  rssFirst: number;
  rssLast: number;
  peakFirst: number;
  peakLast: number;
  heapRatio: number;
  rssSlope: number;
  heapSlope: number;
  gcs: { t: number; mb: number }[];
  gcsSecond: number;
  liveSlope: number;
  slopeBasis: string;
  flat: boolean;
  rssMax: number;
  rssMin: number;
}

/**
 * RSS swings with V8's GC sawtooth (±100 MB here, a full GC about every minute), so single
 * readings and their slope say little. The verdict compares RSS FLOORS (the lowest reading) of the
 * first and last quarter of the window (each spans a few GC cycles), and takes the slope of the
 * live heap (the heap left after each full GC) over the second half (over the whole window when
 * the second half has fewer than 3 full GCs).
 */
export function memoryOf(i: number, samples: Sample[], log: ServerLog, origin: number): MemoryVerdict {
  const start = samples[0];
  const end = samples[samples.length - 1];
  const secondHalf = samples.filter((s) => s.t >= DURATION_MS / 2);
  const edge = DURATION_MS / 4;
  const firstQuarter = samples.filter((s) => s.t <= edge);
  const lastQuarter = samples.filter((s) => s.t >= end.t - edge);
  const rssFirst = Math.min(...firstQuarter.map((s) => s.rss[i]));
  const rssLast = Math.min(...lastQuarter.map((s) => s.rss[i]));
  const rssRatio = rssLast / rssFirst;
  const secondQuarter = samples.filter((s) => s.t >= edge && s.t <= 2 * edge);
  const peakSecond = Math.max(...(secondQuarter.length ? secondQuarter : samples).map((s) => s.rss[i]));
  const peakRatio = Math.max(...lastQuarter.map((s) => s.rss[i])) / peakSecond;
  const gcs = log.fullGcs.map((g) => ({ t: g.at - origin, mb: g.afterMb })).filter((g) => g.t >= 0 && g.t <= end.t);
  const gcsSecond = gcs.filter((g) => g.t >= DURATION_MS / 2);
  const slopeOver = gcsSecond.length >= 3 ? gcsSecond : gcs.length >= 3 ? gcs : [];
  const liveSlope = slope(slopeOver.map((g) => ({ x: g.t / 60_000, y: g.mb })));
  const slopeBasis =
    slopeOver.length === 0
      ? 'fewer than 3 full GCs: no slope'
      : slopeOver === gcsSecond
        ? `live heap, second half, ${slopeOver.length} full GCs`
        : `live heap, whole window, ${slopeOver.length} full GCs`;
  return {
    rssRatio,
    peakRatio,
    peakSecond,
    rssPointRatio: end.rss[i] / start.rss[i],
    rssFirst,
    rssLast,
    peakFirst: Math.max(...firstQuarter.map((s) => s.rss[i])),
    peakLast: Math.max(...lastQuarter.map((s) => s.rss[i])),
    heapRatio: end.heap[i] / start.heap[i],
    rssSlope: slope(secondHalf.map((s) => ({ x: s.t / 60_000, y: s.rss[i] / MB }))),
    heapSlope: slope(secondHalf.map((s) => ({ x: s.t / 60_000, y: s.heap[i] / MB }))),
    gcs,
    gcsSecond: gcsSecond.length,
    liveSlope,
    slopeBasis,
    flat: peakRatio <= FLAT_RATIO && (slopeOver.length === 0 || liveSlope <= FLAT_SLOPE_MB_PER_MIN),
    rssMax: Math.max(...samples.map((s) => s.rss[i])),
    rssMin: Math.min(...samples.map((s) => s.rss[i])),
  };
}

/** Everything the summary reports, gathered at the end of the run. */
export interface SoakOutcome {
  samples: Sample[];
  logs: ServerLog[];
  origin: number;
  verifies: VerifyLoad[];
  mutations: MutationLoad[];
  report: ClientReport;
  /** The event ids since the subscribers' `after` id (A's history), and B's. */
  ids: number[];
  historyB: number[];
  drained: boolean;
  drainMs: number;
  /** The webhook endpoint's deliveries of the window's events. */
  webhooks: WebhookTally;
}

/** The traffic's totals: verifies and mutations, with their latencies and noted problems. */
function trafficTotals(verifies: VerifyLoad[], mutations: MutationLoad[]) {
  const v = { sent: 0, ok: 0, non2xx: 0, transport: 0, wrong: 0, shed: 0 };
  for (const x of verifies) for (const k of Object.keys(v) as (keyof typeof v)[]) v[k] += x[k];
  const byMutation: Record<string, number> = {};
  for (const m of mutations) for (const [k, n] of Object.entries(m.done)) byMutation[k] = (byMutation[k] ?? 0) + n;
  return {
    v,
    vLat: verifies.flatMap((x) => x.latencies),
    keepAliveRetries: verifies.reduce((x, y) => x + y.keepAliveRetries, 0),
    byMutation,
    mutationsDone: mutations.reduce((x, m) => x + m.total, 0),
    mLat: mutations.flatMap((m) => m.latencies),
    mFailed: mutations.reduce((x, m) => x + m.failed, 0),
    problemsNoted: [...verifies.flatMap((x) => x.samples), ...mutations.flatMap((m) => m.samples)],
  };
}

/** Delivery lag to the last subscriber, by when events occurred: [fromFraction, toFraction) of them. */
function lagOf(list: { occurred: number; ms: number }[], fromFraction: number, toFraction: number): number[] {
  const sorted = [...list].sort((p, q) => p.occurred - q.occurred);
  return sorted.slice(Math.floor(sorted.length * fromFraction), Math.floor(sorted.length * toFraction)).map((p) => p.ms);
}

/** The memory rows of one instance in the summary. */
function memoryRows(name: string, i: number, m: MemoryVerdict, start: Sample, end: Sample): string[][] {
  const g = m.gcs;
  return [
    [
      `${name} RSS start → end`,
      `${fmt(start.rss[i] / MB, 1)} → ${fmt(end.rss[i] / MB, 1)} MB: ${fmt(m.rssPointRatio, 3)}× (range ${fmt(m.rssMin / MB, 0)}–${fmt(m.rssMax / MB, 0)} MB); second-half slope ${fmt(m.rssSlope, 2)} MB/min`,
    ],
    [
      `${name} RSS peak second → last quarter (floor first → last)`,
      `${fmt(m.peakSecond / MB, 1)} → ${fmt(m.peakLast / MB, 1)} MB: ${fmt(m.peakRatio, 3)}× (floor ${fmt(m.rssFirst / MB, 1)} → ${fmt(m.rssLast / MB, 1)} MB: ${fmt(m.rssRatio, 3)}×)`,
    ],
    [
      `${name} heap after full GC (live set)`,
      g.length
        ? `${fmt(g[0].mb, 1)} → ${fmt(g[g.length - 1].mb, 1)} MB (${g.length} full GCs, ${m.gcsSecond} in the second half; min ${fmt(Math.min(...g.map((x) => x.mb)), 1)}, max ${fmt(Math.max(...g.map((x) => x.mb)), 1)}); second-half slope ${fmt(m.liveSlope, 2)} MB/min`
        : 'no full GC in the window',
    ],
    [
      `${name} V8 heap used start → end (sampled)`,
      `${fmt(start.heap[i] / MB, 1)} → ${fmt(end.heap[i] / MB, 1)} MB: ${fmt(m.heapRatio, 3)}×; second-half slope ${fmt(m.heapSlope, 2)} MB/min`,
    ],
  ];
}

/** Prints the summary table, the problems noted, and the three verdicts (errors, delivery, memory). */
export function printSummary(outcome: SoakOutcome): void {
  const { samples, logs, origin, report, ids, historyB, drained, drainMs } = outcome;
  const start = samples[0];
  const end = samples[samples.length - 1];
  const measuredS = (end.t - start.t) / 1000;
  const memory = logs.map((log, i) => memoryOf(i, samples, log, origin));
  const clientSlope = slope(samples.filter((s) => s.t >= DURATION_MS / 2).map((s) => ({ x: s.t / 60_000, y: s.clientRss / MB })));
  const { v, vLat, keepAliveRetries, byMutation, mutationsDone, mLat, mFailed, problemsNoted } = trafficTotals(outcome.verifies, outcome.mutations);
  const logErrors = logs.reduce((x, l) => x + l.error, 0);
  const logWarns = logs.reduce((x, l) => x + l.warn, 0);
  const lastLagAll = report.lagLast.map((p) => p.ms);
  const lastLagEarly = lagOf(report.lagLast, 0, 0.5);
  const lastLagLate = lagOf(report.lagLast, 0.5, 1);

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
        `${report.sockets.toLocaleString('en-US')} (${report.byTarget.map((t) => `${NAMES[t.target]} ${t.sockets}`).join(', ')})`,
      ],
      [
        'mutations done / failed',
        `${mutationsDone.toLocaleString('en-US')} / ${mFailed} (${Object.entries(byMutation)
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
          .join(', ')}); B's history agrees: ${historyB.length === ids.length && historyB.every((id, i) => id === ids[i]) ? 'yes' : `NO (${historyB.length})`}`,
      ],
      [
        'subscribers complete (exact sequence, no error/close)',
        `${report.complete.toLocaleString('en-US')} / ${report.sockets.toLocaleString('en-US')} (${report.byTarget.map((t) => `${NAMES[t.target]} ${t.complete}/${t.sockets}`).join(', ')})`,
      ],
      [
        'deliveries expected / missing / duplicate / unexpected',
        `${(ids.length * report.sockets).toLocaleString('en-US')} / ${report.missing} / ${report.duplicates} / ${report.unexpected}`,
      ],
      ['out-of-order first deliveries', String(report.backwards)],
      ['subscriber error / complete / closed sockets', `${report.errors} / ${report.completes} / ${report.closed}`],
      ['drain after traffic stopped', `${fmt(drainMs / 1000, 1)} s${drained ? '' : ' (NOT drained within the limit)'}`],
      [
        'delivery lag to the LAST subscriber (occurredAt → arrival)',
        `p50 ${fmt(median(lastLagAll), 0)} ms, p99 ${fmt(quantile(lastLagAll, 0.99), 0)} ms, max ${fmt(Math.max(...lastLagAll), 0)} ms; first half of events p50/p99 ${fmt(median(lastLagEarly), 0)}/${fmt(quantile(lastLagEarly, 0.99), 0)} ms, second half ${fmt(median(lastLagLate), 0)}/${fmt(quantile(lastLagLate, 0.99), 0)} ms`,
      ],
      ...memory.flatMap((m, i) => memoryRows(NAMES[i], i, m, start, end)),
      ...memory.map((_, i) => [`${NAMES[i]} CPU (core 0 share) over the window`, `${fmt(((end.cpu[i] - start.cpu[i]) / 1e9 / measuredS) * 100, 0)}%`]),
      [
        'client process RSS start → end',
        `${fmt(start.clientRss / MB, 1)} → ${fmt(end.clientRss / MB, 1)} MB (${fmt(end.clientRss / start.clientRss, 3)}×; second-half slope ${fmt(clientSlope, 2)} MB/min); CPU ${fmt(((end.clientCpu - start.clientCpu) / 1e9 / measuredS) * 100, 0)}%`,
      ],
      ['server log lines warn / error', `${logWarns} / ${logErrors}`],
      [
        'webhook deliveries: events delivered / expected; duplicates, missing, bad signatures',
        `${outcome.webhooks.events} / ${outcome.webhooks.expected}; ${outcome.webhooks.duplicates}, ${outcome.webhooks.missing}, ${outcome.webhooks.bad} (${outcome.webhooks.received} requests)`,
      ],
    ],
  );
  for (const line of problemsNoted) console.log(`  problem: ${line}`);
  for (const line of report.failures) console.log(`  subscriber: ${line}`);
  for (const [i, l] of logs.entries()) for (const line of l.samples) console.log(`  ${NAMES[i]} log: ${line}`);
  if (report.unexpected) console.log(`  unexpected event ids (sample): ${report.unexpectedSample.join(', ')}`);
  console.log(
    `no errors (verify non-2xx/transport/wrong, mutation failures, subscriber error/complete/close, server error logs all 0) → ${noErrors ? 'MET' : 'NOT MET'}`,
  );
  console.log(
    `every notice delivered (${report.complete}/${report.sockets} subscribers got exactly the ${ids.length} events; ${report.missing} missing, ${report.duplicates} duplicate, ${report.unexpected} unexpected, ${report.backwards} out of order) → ${delivered ? 'MET' : 'NOT MET'}`,
  );
  const hooks = outcome.webhooks;
  console.log(
    `every event delivered once to the webhook endpoint, signature verified (${hooks.events} of ${hooks.expected}; ${hooks.duplicates} duplicate, ${hooks.missing} missing, ${hooks.bad} bad) → ${hooks.events === hooks.expected && !hooks.duplicates && !hooks.missing && !hooks.bad ? 'MET' : 'NOT MET'}`,
  );
  console.log(
    `memory holds (each instance: RSS peak of the last quarter ≤ ${FLAT_RATIO}× the second quarter's — a ceiling reached, not a climb — and the live heap after full GCs grows ≤ ${FLAT_SLOPE_MB_PER_MIN} MB/min; ${memory.map((m, i) => `${NAMES[i]} ${fmt(m.peakRatio, 3)}×, ${fmt(m.liveSlope, 2)} MB/min (${m.slopeBasis})`).join('; ')}) → ${flat ? 'MET' : 'NOT MET'}${MINUTES < 5 ? ' (indicative only: under 5 minutes the quarters hold about one full GC each)' : ''}`,
  );
}
