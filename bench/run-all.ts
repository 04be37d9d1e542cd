/**
 * Runs the benchmarks one after another, each in its own process (it pins itself to the client
 * core and its servers to the server core). The soak (bench/soak.ts, 10 minutes) is not one of
 * them: it outlasts the per-benchmark limit here; run it with `npm run bench:soak`.
 *
 *   node dist-bench/bench/run-all.js [--quick] [--profile] [name ...]
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ALL = ['verify-throughput', 'revocation-propagation', 'list-query', 'notice-delivery', 'webhook-delivery', 'scale'];
const flags = process.argv.slice(2).filter((a) => a.startsWith('--'));
const names = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const unknown = names.filter((n) => !ALL.includes(n));
if (unknown.length) {
  const soak = unknown.includes('soak') ? ' (the 10-minute soak runs on its own: npm run bench:soak)' : '';
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; choose from ${ALL.join(', ')}${soak}`);
  process.exit(2);
}
let failed = 0;
console.log(`# Tessera benchmarks ${new Date().toISOString()} (node ${process.version}${flags.length ? ', ' + flags.join(' ') : ''})`);
for (const name of names.length ? names : ALL) {
  // The scale benchmark seeds up to a million tokens: it gets half an hour.
  const result = spawnSync(process.execPath, [join(__dirname, `${name}.js`), ...flags], { stdio: 'inherit', timeout: name === 'scale' ? 1_800_000 : 330_000 });
  if (result.status !== 0) {
    failed += 1;
    console.error(`${name} failed (${result.status ?? result.signal})`);
  }
}
process.exit(failed ? 1 : 0);
