/**
 * list-query: `personalAccessTokens(first: 100)` with every field of the connection, edges and
 * nodes, on Tessera (SQLite, 100 PATs seeded through GraphQL) vs a plain Apollo Server 5 serving
 * the same answer from memory with the same schema. Servers on core 0, autocannon on core 1,
 * alternating rounds; ratio of req/s. Then the SQL statements per request at page sizes 10 and
 * 100, counted by starting Tessera in-process from dist/ with `createServer(config, { onQuery })`.
 *
 *   node dist-bench/bench/list-query.js [--quick] [--profile]
 *
 * --profile: one more Tessera run under `node --cpu-prof`, summarised like verify-throughput's.
 */
import autocannon from 'autocannon';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as ServerModule from '../src/server';
import type * as ConfigModule from '../src/core/config';
import { profileTessera } from './lib/profile';
import { QUICK, ROOT, createPat, fmt, gql, main, median, processCpuNs, startHelper, startTessera, table, target, type Proc } from './lib/common';

const ROUNDS = QUICK ? 2 : 4;
const SECONDS = QUICK ? 3 : 6;
/**
 * Load before the measured rounds, per side. Both servers are JIT-compiled as they run; Tessera
 * runs more code per request (ORM, driver, auth), so it takes longer to reach its steady state: with
 * 2 s the per-round ratios still climbed round after round (0.65, 0.66, 0.86, 0.97). A server's
 * throughput is its steady state.
 */
const WARMUP_SECONDS = QUICK ? 2 : 10;
const CONNECTIONS = 8;
const SEEDED = 100;

export const LIST_QUERY = `query List($first: Int) {
  personalAccessTokens(first: $first) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id kind name description start status ownerId createdById createdAt expiresAt lastUsedAt revokedAt } }
  }
}`;

async function seed(url: string, token: string): Promise<void> {
  for (let i = 0; i < SEEDED; i += 10) await Promise.all(Array.from({ length: 10 }, (_, j) => createPat(url, token, `bench list ${i + j}`)));
}

interface Round {
  rps: number;
  p99: number;
  /** Share of one core the server used over the round (below ~95 %: it waited on something). */
  serverCpu: number;
  cpuPerReq: number;
  errors: number;
}

async function load(url: string, token: string, pid?: number, seconds = SECONDS): Promise<Round> {
  const cpu0 = pid ? processCpuNs(pid) : 0;
  const t0 = process.hrtime.bigint();
  const result = await autocannon({
    url: `${url}/graphql`,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: LIST_QUERY, variables: { first: 100 } }),
    connections: CONNECTIONS,
    duration: seconds,
  });
  const wallNs = Number(process.hrtime.bigint() - t0);
  const cpuNs = pid ? processCpuNs(pid) - cpu0 : NaN;
  return {
    rps: result.requests.average,
    p99: result.latency.p99,
    serverCpu: cpuNs / wallNs,
    cpuPerReq: cpuNs / 1000 / result.requests.total,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

async function countStatements(): Promise<void> {
  const { createServer } = require(join(ROOT, 'dist/src/server.js')) as typeof ServerModule;
  const { loadConfig } = require(join(ROOT, 'dist/src/core/config.js')) as typeof ConfigModule;
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-sql-'));
  const adminToken = `bench-admin-${randomBytes(24).toString('hex')}`;
  const statements: string[] = [];
  const server = await createServer(
    loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`,
      TESSERA_SECRET_KEY: randomBytes(32).toString('hex'),
      TESSERA_BOOTSTRAP_ADMIN_TOKEN: adminToken,
      TESSERA_DATA_DIR: dir,
      LOG_LEVEL: 'warn',
    }),
    { onQuery: (sql) => statements.push(sql), print: () => undefined, sweep: false, logDestination: { write: () => true } as never },
  );
  try {
    await seed(server.url, adminToken);
    const rows: (string | number)[][] = [];
    let shown = '';
    for (const first of [10, 100]) {
      await gql(server.url, adminToken, LIST_QUERY, { first }); // caches the caller's token
      const counts: number[] = [];
      for (let i = 0; i < 3; i += 1) {
        statements.length = 0;
        const data = await gql<{ personalAccessTokens: { edges: unknown[] } }>(server.url, adminToken, LIST_QUERY, { first });
        if (data.personalAccessTokens.edges.length !== first) throw new Error(`expected ${first} edges, got ${data.personalAccessTokens.edges.length}`);
        counts.push(statements.length);
        if (first === 100 && i === 2) shown = statements.map((s) => '  ' + s.replace(/\s+/g, ' ').slice(0, 160)).join('\n');
      }
      rows.push([`first: ${first}`, counts.join(', '), Math.max(...counts)]);
    }
    console.log('\nSQL statements per request (in-process Tessera from dist/, SQLite, caller token cached):');
    table(['page size', 'statements (3 requests)', 'max'], rows);
    console.log(rows[0][2] === rows[1][2] ? 'constant in page size → MET' : 'NOT constant in page size → NOT MET');
    console.log(`statements of one first: 100 request:\n${shown}`);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function run(): Promise<void> {
  const tessera = await startTessera();
  let plain: Proc | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-list-'));
  try {
    await seed(tessera.url, tessera.adminToken);
    const answer = await gql<{ personalAccessTokens: { edges: unknown[] } }>(tessera.url, tessera.adminToken, LIST_QUERY, { first: 100 });
    if (answer.personalAccessTokens.edges.length !== 100) throw new Error('seeding failed');
    writeFileSync(join(dir, 'data.json'), JSON.stringify(answer.personalAccessTokens));
    plain = await startHelper('plain-apollo-server.js', [], '0', { PLAIN_DATA: join(dir, 'data.json') });
    const plainAnswer = await gql<{ personalAccessTokens: unknown }>(plain.url, 'none', LIST_QUERY, { first: 100 });
    if (JSON.stringify(plainAnswer.personalAccessTokens) !== JSON.stringify(answer.personalAccessTokens))
      throw new Error(
        `the plain server does not answer the same JSON: ${JSON.stringify(plainAnswer).slice(0, 400)} vs ${JSON.stringify(answer).slice(0, 400)}`,
      );

    console.log(
      `\n## list-query — personalAccessTokens(first: 100), all fields, Tessera (SQLite) vs plain Apollo Server 5 from memory; ${CONNECTIONS} connections, ${ROUNDS}×${SECONDS}s rounds per side, alternating`,
    );
    await load(tessera.url, tessera.adminToken, undefined, WARMUP_SECONDS);
    await load(plain.url, 'none', undefined, WARMUP_SECONDS);
    const t: Round[] = [];
    const p: Round[] = [];
    const rows: (string | number)[][] = [];
    for (let round = 1; round <= ROUNDS; round += 1) {
      const a = await load(tessera.url, tessera.adminToken, tessera.pid);
      t.push(a);
      rows.push([`${round} tessera`, fmt(a.rps, 0), fmt(a.p99, 1), `${fmt(a.serverCpu * 100, 0)}%`, fmt(a.cpuPerReq, 0), a.errors]);
      const b = await load(plain.url, 'none', plain.pid);
      p.push(b);
      rows.push([`${round} plain apollo`, fmt(b.rps, 0), fmt(b.p99, 1), `${fmt(b.serverCpu * 100, 0)}%`, fmt(b.cpuPerReq, 0), b.errors]);
    }
    const m = (rs: Round[], f: (r: Round) => number) => median(rs.map(f));
    rows.push([
      'median tessera',
      fmt(
        m(t, (r) => r.rps),
        0,
      ),
      fmt(
        m(t, (r) => r.p99),
        1,
      ),
      `${fmt(m(t, (r) => r.serverCpu) * 100, 0)}%`,
      fmt(
        m(t, (r) => r.cpuPerReq),
        0,
      ),
      '',
    ]);
    rows.push([
      'median plain apollo',
      fmt(
        m(p, (r) => r.rps),
        0,
      ),
      fmt(
        m(p, (r) => r.p99),
        1,
      ),
      `${fmt(m(p, (r) => r.serverCpu) * 100, 0)}%`,
      fmt(
        m(p, (r) => r.cpuPerReq),
        0,
      ),
      '',
    ]);
    table(['round', 'req/s', 'p99 ms', 'server core', 'server CPU µs/req', 'errors'], rows);
    const perRound = t.map((r, i) => r.rps / p[i].rps);
    console.log(
      `per-round ratios tessera/plain: ${perRound.map((ratio) => fmt(ratio)).join(', ')} (ratio of the medians: ${fmt(m(t, (r) => r.rps) / m(p, (r) => r.rps))}×)`,
    );
    // Each round is paired with the baseline round next to it: the median of those ratios cancels drift a ratio of medians does not.
    target('throughput tessera/plain apollo (median of the per-round ratios)', median(perRound), 0.9);
    console.log(`server CPU per request plain/tessera (median): ${fmt(m(p, (r) => r.cpuPerReq) / m(t, (r) => r.cpuPerReq))}×`);
  } finally {
    await tessera.stop();
    await plain?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  await countStatements();
  if (process.argv.includes('--profile')) {
    await profileTessera({}, { warmup: WARMUP_SECONDS, measured: SECONDS }, async (profiled) => {
      await seed(profiled.url, profiled.adminToken);
      return (seconds) => load(profiled.url, profiled.adminToken, undefined, seconds);
    });
  }
}

main('list-query', run, 240_000);
