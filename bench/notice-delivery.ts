/**
 * notice-delivery (issue 3): one revocation delivered to 1,000 and 5,000 graphql-ws subscribers
 * of `revocationNotices` on one Tessera instance (SQLite, in-process bus) vs a raw `ws` server
 * that serializes the same payload once and sends it to as many plain WebSocket clients.
 * Servers on core 0; the clients live in their own process on core 1. Rounds alternate.
 * Measures the time from the trigger's response (the mutation / POST /publish) to the LAST
 * delivery, and the server's CPU per delivery from /proc/<pid>/task/<tid>/schedstat deltas (the
 * cost of the trigger alone, measured with no subscribers, is subtracted).
 *
 *   node dist-bench/bench/notice-delivery.js [--quick]
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summariseProfileDir } from './lib/profile';
import {
  CLIENT_CPU,
  QUICK,
  REVOKE_PAT,
  ROOT,
  createPat,
  fmt,
  gql,
  main,
  median,
  pinned,
  processCpuNs,
  sleep,
  startHelper,
  startTessera,
  table,
  target,
  withDeadline,
  type Proc,
  type TesseraProc,
} from './lib/common';

const SIZES = [1000, 5000];
/** Rounds per side and size: one revocation each, so single rounds move ±15% (GC, the other core); medians of many are steady. */
const ROUNDS = QUICK ? 6 : 12;
/** Uncounted rounds per side before each size's: the 1,000 rounds came first and ran cold (the JIT). */
const WARMUP_ROUNDS = 2;
const PROFILE = process.argv.includes('--profile');
const now = (): number => Number(process.hrtime.bigint()) / 1e6;

class Clients {
  private readonly inbox: unknown[] = [];
  private waiter?: (message: unknown) => void;
  constructor(readonly child: ChildProcess) {
    child.on('message', (message) => {
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = undefined;
        w(message);
      } else this.inbox.push(message);
    });
  }
  next<T>(what: string, ms = 120_000): Promise<T> {
    if (this.inbox.length) return Promise.resolve(this.inbox.shift() as T);
    return withDeadline(what, ms, () => new Promise<T>((resolve) => (this.waiter = resolve as (m: unknown) => void))).then((m) => {
      if ((m as { error?: string }).error) throw new Error(`clients: ${(m as { error: string }).error}`);
      return m;
    });
  }
  async call<T>(message: unknown, what: string): Promise<T> {
    this.child.send(message as never);
    return this.next<T>(what);
  }
}

async function waitFor(what: string, check: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: timed out`);
    await sleep(50);
  }
}

async function listeners(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^tessera_subscriptions (\d+)/m.exec(text)?.[1] ?? -1);
}

interface Round {
  fromResponseMs: number;
  fromRequestMs: number;
  cpuPerDeliveryUs: number;
}

async function run(): Promise<void> {
  // One admin token holds every subscriber here: lift the per-token connection cap for the benchmark.
  // --profile: the same run with Tessera under `node --cpu-prof` (its figures then include the
  // profiler's cost); after it, where Tessera's busy time went during its rounds (each revocation to its last delivery).
  const profileDir = PROFILE ? mkdtempSync(join(tmpdir(), 'tessera-prof-')) : undefined;
  const windows: { from: number; to: number }[] = [];
  const tessera = await startTessera({
    env: { TESSERA_MAX_CONNECTIONS_PER_TOKEN: '100000' },
    nodeArgs: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
  });
  let raw: Proc | undefined;
  let clients: Clients | undefined;
  try {
    raw = await startHelper('raw-ws-server.js');
    const child = pinned(CLIENT_CPU, [process.execPath, join(ROOT, 'dist-bench/bench/notice-clients.js')], {}, ['ignore', 'inherit', 'inherit', 'ipc']);
    clients = new Clients(child);
    const pats = [];
    for (let i = 0; i < SIZES.length * (WARMUP_ROUNDS + ROUNDS) + 3; i += 1) pats.push(await createPat(tessera.url, tessera.adminToken, `bench notice ${i}`));
    await sleep(300);

    // The mutation's own cost, with no subscriber.
    const revoke = async (id: string) => {
      const sent = now();
      await gql(tessera.url, tessera.adminToken, REVOKE_PAT, { id });
      return { sent, returned: now() };
    };
    const idleCosts: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      const cpu0 = processCpuNs(tessera.pid);
      await revoke(pats.pop()!.id);
      await sleep(100);
      idleCosts.push(processCpuNs(tessera.pid) - cpu0);
    }
    const mutationCpuNs = median(idleCosts);
    const publish = (body: string) => fetch(`${raw!.url}/publish`, { method: 'POST', body }).then((r) => r.text());
    const rawIdle: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      const cpu0 = processCpuNs(raw.pid);
      await publish('{"warm":true}');
      await sleep(100);
      rawIdle.push(processCpuNs(raw.pid) - cpu0);
    }
    const publishCpuNs = median(rawIdle);

    console.log(
      `\n## notice-delivery — one revocation to N graphql-ws subscribers (revocationNotices) vs a raw ws server that serializes once; ${ROUNDS} rounds per side and size, alternating`,
    );
    console.log(
      `trigger cost with no subscribers (subtracted): revoke mutation ${fmt(mutationCpuNs / 1e6, 2)} ms CPU, raw publish ${fmt(publishCpuNs / 1e6, 2)} ms CPU`,
    );
    const rows: (string | number)[][] = [];
    const summary: (string | number)[][] = [];
    const ratios: { size: number; cpu: number; time: number }[] = [];
    let sample = '';
    const wsUrl = tessera.url.replace(/^http/, 'ws') + '/graphql';
    for (const size of SIZES) {
      await clients.call({ cmd: 'connect', target: 'tessera', url: wsUrl, token: tessera.adminToken, total: size }, 'connect tessera clients');
      await waitFor(`${size} tessera listeners`, async () => (await listeners(tessera.url)) >= size);
      await clients.call({ cmd: 'connect', target: 'raw', url: raw.url.replace(/^http/, 'ws'), total: size }, 'connect raw clients');
      await waitFor(`${size} raw clients`, async () => Number(await (await fetch(`${raw!.url}/count`)).text()) >= size);
      await sleep(500);
      const t: Round[] = [];
      const r: Round[] = [];
      // Rounds below 1 warm both sides at this size (the JIT, the sockets' buffers) and are not counted.
      // One round of one side: its figures kept, and its row shown, unless it is a warm-up round.
      const record = (counted: boolean, label: string, rounds: Round[], sent: number, returned: number, done: { first: number; last: number }, cpu: number) => {
        if (!counted) return;
        rounds.push({ fromResponseMs: done.last - returned, fromRequestMs: done.last - sent, cpuPerDeliveryUs: cpu / 1000 / size });
        rows.push([label, fmt(done.last - sent, 1), fmt(done.last - returned, 1), fmt(done.first - sent, 1), fmt(cpu / 1e6, 1), fmt(cpu / 1000 / size, 1)]);
      };
      // Rounds below 1 warm both sides at this size (the JIT, the sockets' buffers) and are not counted.
      for (let round = 1 - WARMUP_ROUNDS; round <= ROUNDS; round += 1) {
        const counted = round >= 1;
        // Tessera
        await clients.call({ cmd: 'arm', target: 'tessera', expect: size }, 'arm');
        let cpu0 = processCpuNs(tessera.pid);
        const from = Number(process.hrtime.bigint() / 1000n);
        const { sent, returned } = await revoke(pats.pop()!.id);
        let done = await clients.next<{ first: number; last: number; sample: string }>(`${size} tessera deliveries`, 60_000);
        await sleep(100);
        if (counted) windows.push({ from, to: Number(process.hrtime.bigint() / 1000n) });
        sample = done.sample;
        record(counted, `${size} tessera #${round}`, t, sent, returned, done, processCpuNs(tessera.pid) - cpu0 - mutationCpuNs);
        // raw ws
        await clients.call({ cmd: 'arm', target: 'raw', expect: size }, 'arm');
        cpu0 = processCpuNs(raw.pid);
        const rawSent = now();
        await publish(sample);
        const rawReturned = now();
        done = await clients.next<{ first: number; last: number; sample: string }>(`${size} raw deliveries`, 60_000);
        await sleep(100);
        record(counted, `${size} raw ws #${round}`, r, rawSent, rawReturned, done, processCpuNs(raw.pid) - cpu0 - publishCpuNs);
      }
      const m = (rs: Round[], f: (x: Round) => number) => median(rs.map(f));
      ratios.push({
        size,
        cpu: m(t, (x) => x.cpuPerDeliveryUs) / m(r, (x) => x.cpuPerDeliveryUs),
        time: m(t, (x) => x.fromRequestMs) / m(r, (x) => x.fromRequestMs),
      });
      summary.push([
        String(size),
        fmt(
          m(t, (x) => x.fromRequestMs),
          1,
        ),
        fmt(
          m(r, (x) => x.fromRequestMs),
          1,
        ),
        fmt(m(t, (x) => x.fromRequestMs) / m(r, (x) => x.fromRequestMs), 2) + '×',
        fmt(
          m(t, (x) => x.fromResponseMs),
          1,
        ),
        fmt(
          m(r, (x) => x.fromResponseMs),
          1,
        ),
        fmt(
          m(t, (x) => x.cpuPerDeliveryUs),
          1,
        ),
        fmt(
          m(r, (x) => x.cpuPerDeliveryUs),
          1,
        ),
        fmt(m(t, (x) => x.cpuPerDeliveryUs) / m(r, (x) => x.cpuPerDeliveryUs), 2) + '×',
      ]);
    }
    table(['round', 'request→last ms', 'response→last ms', 'request→first ms', 'server CPU ms', 'CPU µs/delivery'], rows);
    console.log('\nmedians (ratios tessera/raw; lower is better):');
    table(
      [
        'subscribers',
        'tessera req→last ms',
        'raw req→last ms',
        'ratio',
        'tessera resp→last ms',
        'raw resp→last ms',
        'tessera CPU µs/delivery',
        'raw CPU µs/delivery',
        'CPU ratio',
      ],
      summary,
    );
    // Issue 21: near serialize-once.
    for (const { size, cpu, time } of ratios) {
      target(`CPU per delivery tessera/raw ws at ${size} (median)`, cpu, 1.5, false);
      if (size === 5000) target(`time to the last of ${size} tessera/raw ws (median)`, time, 2, false);
    }
    console.log(`payload (${sample.length} bytes): ${sample}`);
    console.log(
      "note: the client process (one core) receives every message; its own speed bounds both sides' time to last delivery, so time ratios understate the CPU ratio.",
    );
  } finally {
    if (clients) await clients.call({ cmd: 'close' }, 'close clients').catch(() => undefined);
    await tessera.stop();
    await raw?.stop();
  }
  if (profileDir) {
    await sleep(200);
    console.log(`\n### where Tessera's busy time goes in its rounds, each from the revocation to the last delivery (profile in ${profileDir})`);
    summariseProfileDir(profileDir, windows);
  }
}

main('notice-delivery', run, 300_000);
