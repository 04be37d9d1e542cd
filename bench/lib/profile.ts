/**
 * Summarises V8 .cpuprofile files (from `node --cpu-prof`): self time by package/file and by
 * function, and inclusive time of the functions named in INTERESTING.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmt, sleep, startTessera, table, type TesseraOptions, type TesseraProc } from './common';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
}

/** Sample timestamps are µs on the monotonic clock, like process.hrtime (on Linux). */
export interface Window {
  from: number;
  to: number;
}

function where(url: string): string {
  if (!url) return '(native/vm)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const src = url.indexOf('/dist/src/');
  if (src >= 0) return 'tessera ' + url.slice(src + '/dist/'.length);
  if (url.startsWith('node:'))
    return url
      .replace(/^node:internal\//, 'node:')
      .split('/')
      .slice(0, 2)
      .join('/');
  return url;
}

const INTERESTING = [
  'expressMiddleware',
  'jsonParser',
  'handle',
  'next',
  'requestScope',
  'verify',
  'authenticate',
  'hash',
  'inspectToken',
  'snapshotOf',
  'verifyFor',
  'json',
  'send',
  'randomUUID',
  'inc',
  'observe',
  'setHeader',
  'writeHead',
  'parserOnHeadersComplete',
  'read',
  'getBody',
  'parse',
  'typeis',
  'typeofrequest',
  'trace',
  'from',
  'onStreamRead',
  'listOnTimeout',
  'processTimers',
  'processTicksAndRejections',
  'onParserExecute',
  'resOnFinish',
  'onFinish',
  'afterWrite',
  'onWriteComplete',
  'emitDestroyScript',
  'emitBeforeScript',
  'emitAfterScript',
  'emitInitScript',
  'runMicrotasks',
  'socketOnData',
  'parserOnMessageComplete',
  'flushLastUsed',
  'pull',
  'readNew',
  'run',
  'writeHead',
  'end',
];

export function summariseProfile(profile: Profile, window: Window | Window[] = { from: 0, to: Infinity }): void {
  const windows = Array.isArray(window) ? window : [window];
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<number, number>();
  let total = 0;
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i += 1) {
    const dt = profile.timeDeltas[i] ?? 0;
    at += dt;
    if (!windows.some((w) => at >= w.from && at <= w.to)) continue;
    self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + dt);
    total += dt;
  }
  const idle = [...self].filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)').reduce((a, [, v]) => a + v, 0);
  const busy = total - idle;
  const byPlace = new Map<string, number>();
  const byFunction = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, us] of self) {
    const node = byId.get(id)!;
    if (node.callFrame.functionName === '(idle)') continue;
    const place = where(node.callFrame.url);
    byPlace.set(place, (byPlace.get(place) ?? 0) + us);
    const fn = `${node.callFrame.functionName || '(anonymous)'} ${place}:${node.callFrame.lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    // Inclusive: credit every distinct interesting frame on the stack once.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = byId.get(cur)!.callFrame;
      if (!INTERESTING.includes(frame.functionName)) continue;
      const key = `${frame.functionName} ${where(frame.url)}:${frame.lineNumber + 1}`;
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  }
  // Which top-level entry (the frame right under the root) each busy sample descends from.
  const entries = new Map<string, number>();
  for (const [id, us] of self) {
    const node = byId.get(id)!;
    if (node.callFrame.functionName === '(idle)') continue;
    let cur = id;
    let under = id;
    while (parent.has(cur) && parent.get(cur) !== profile.nodes[0].id) cur = parent.get(cur)!;
    under = cur;
    const frame = byId.get(under)!.callFrame;
    const key = `${frame.functionName || '(anonymous)'} ${where(frame.url)}:${frame.lineNumber + 1}`;
    entries.set(key, (entries.get(key) ?? 0) + us);
  }
  const pct = (us: number) => fmt((100 * us) / busy, 1) + '%';
  console.log(`busy (non-idle) CPU: ${fmt(busy / 1000, 0)} ms of ${fmt(total / 1000, 0)} ms profiled`);
  const top = (map: Map<string, number>, n: number) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => [k, fmt(v / 1000, 0), pct(v)]);
  console.log('\nself time by package / file:');
  table(['where', 'ms', 'share'], top(byPlace, 18));
  console.log('\nself time by function:');
  table(['function', 'ms', 'share'], top(byFunction, 25));
  console.log('\nbusy time by entry point (the frame under the root):');
  table(['entry', 'ms', 'share'], top(entries, 12));
  console.log('\ninclusive time of selected frames:');
  table(['frame', 'ms', 'share'], top(inclusive, 30));
}

export function summariseProfileDir(dir: string, window?: Window | Window[]): void {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0) {
    console.log(`no .cpuprofile written in ${dir}`);
    return;
  }
  for (const file of files) summariseProfile(JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile, window);
}

/**
 * `--profile`: one more Tessera run under `node --cpu-prof`. `prepare` seeds it and returns the
 * load to apply (for so many seconds); the load runs once to warm up, once measured, and only
 * the measured window's samples are summarised.
 */
export async function profileTessera(
  options: TesseraOptions,
  seconds: { warmup: number; measured: number },
  prepare: (tessera: TesseraProc) => Promise<(seconds: number) => Promise<unknown>>,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-prof-'));
  const window = { from: 0, to: Infinity };
  const profiled = await startTessera({ ...options, nodeArgs: [...(options.nodeArgs ?? []), '--cpu-prof', `--cpu-prof-dir=${dir}`] });
  try {
    const load = await prepare(profiled);
    await load(seconds.warmup);
    window.from = Number(process.hrtime.bigint() / 1000n);
    await load(seconds.measured);
    window.to = Number(process.hrtime.bigint() / 1000n);
  } finally {
    await profiled.stop();
  }
  await sleep(200);
  console.log(`\n### where Tessera's time goes under load (cpu profile in ${dir}, samples of the ${seconds.measured}s measured window only)`);
  summariseProfileDir(dir, window);
}

if (require.main === module) summariseProfileDir(process.argv[2] ?? '.');
