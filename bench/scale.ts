/**
 * scale (issue 21, part 1): how the cost of the main reads and jobs grows with the data, on
 * PostgreSQL. One Tessera process on the harness's private PostgreSQL; the database grows in steps
 * (10k, 100k, 1M personal access tokens of one owner, with ten events per token: 10M events at the
 * largest size, or as many as EVENT_BUDGET allows — the table says what it reached; --quick stops
 * at 100k tokens).
 *
 * How it seeds: bulk SQL (`generate_series`) into the same tables the API writes, ids that sort
 * like real ones. 1,000 tokens per step carry real values (keyed hashes made with the server's own
 * SecretBox) so they can be verified; the rest carry random hashes. Filler tokens expire 0 to 399
 * days from now with a 30-day warning window.
 *
 * At each size, through the API (the HTTP routes and GraphQL, as clients call them):
 * - verify of an uncached token and of a cached one;
 * - `personalAccessTokens`: the first page, a page 10,000 items deep (keyset cursor), the
 *   EXPIRING-filtered page — none selecting `totalCount` — and, apart, `totalCount` itself (an
 *   exact count: it reads every matching index entry, so it grows with the list by nature);
 * - `tokenEvents(after:)` replay of the last 1,000 events (ten pages of 100);
 * - the expiry sweep over every new token expiring in the next 30 days (their notice schedule is
 *   set the way creation sets it, so every one of them is due): time per notice, the server's RSS
 *   and its live heap (after each full GC, from --trace-gc) while it sweeps, each notice once;
 * - retention pruning of a tenth of the size's events aged past retention: time per pruned event;
 * and the plan (EXPLAIN) of the statement behind each, flagging any sequential scan.
 * It prints the growth factor per 10× data. Target: ≤ 1.3× per 10× for every indexed lookup and
 * page, and for the sweep's and pruning's time per item (linear in
 * what they touch); the sweep's live heap ≤ 1.3× what it was before (memory bounded whatever the
 * table size).
 *
 *   node dist-bench/bench/scale.js [--quick]
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { startPostgres } from '../test/harness/services';
import { SecretBox, generateToken } from '../src/core/secrets';
import { QUICK, fmt, gql, main, median, processCpuNs, quantile, sleep, startTessera, table, type TesseraProc } from './lib/common';

const SIZES = process.env.SCALE_SIZES ? process.env.SCALE_SIZES.split(',').map(Number) : QUICK ? [10_000, 100_000] : [10_000, 100_000, 1_000_000];
const EVENTS_PER_TOKEN = 10;
/** The wall-clock budget for seeding events, over all sizes (the issue: the largest this machine holds in 10 minutes). */
const EVENT_BUDGET_MS = 10 * 60_000;
const EVENT_CHUNK = 500_000;
const VERIFIABLE = 1_000;
const SHARED_BUFFERS = process.env.SCALE_SHARED_BUFFERS ?? '1GB';
/** --diagnose: after each sweep, the statements it ran by total time (pg_stat_statements). */
const DIAGNOSE = process.argv.includes('--diagnose');
const SAMPLES = QUICK ? 100 : 300;
const PAT_PAGE =
  'query($after: String, $filter: PersonalAccessTokenFilter) { personalAccessTokens(first: 100, after: $after, filter: $filter) { edges { node { id name status expiresAt } } pageInfo { hasNextPage endCursor } } }';
const PAT_COUNT = '{ personalAccessTokens(first: 1) { totalCount } }';
const now = (): number => Number(process.hrtime.bigint()) / 1e6;
const patId = (n: number): string => `pat_${n.toString(16).padStart(22, '0')}`;

interface PgClient {
  connect(): Promise<void>;
  query<R = Record<string, unknown>>(q: string, values?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
  end(): Promise<void>;
}

async function timed(times: number, once: (i: number) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < times; i += 1) {
    const t = now();
    await once(i);
    out.push(now() - t);
  }
  return out;
}

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(line?.split(/\s+/)[1] ?? 0) / 1024;
}

/** Waits until the server has caught up (under 5% of a core for half a second). */
async function idle(tessera: TesseraProc): Promise<void> {
  for (const deadline = now() + 300_000; now() < deadline;) {
    const cpu = processCpuNs(tessera.pid);
    await sleep(500);
    if ((processCpuNs(tessera.pid) - cpu) / 500e6 < 0.05) return;
  }
}

/**
 * Samples the server's RSS every 10 ms and asks `done` every `pollMs` (a count over what the job
 * wrote: asked every 10 ms it took a core of PostgreSQL from the job it measures, seen with
 * --diagnose); resolves with the time taken and the peak.
 */
async function watch(tessera: TesseraProc, done: () => Promise<boolean>, limitMs: number, pollMs = 100): Promise<{ ms: number; peakMb: number }> {
  const started = now();
  let peakMb = rssMb(tessera.pid);
  for (let asked = now(); !(await done());) {
    while (now() - asked < pollMs) {
      if (now() - started > limitMs) throw new Error(`gave up after ${limitMs} ms; the server said:\n${tessera.output.slice(-20).join('')}`);
      peakMb = Math.max(peakMb, rssMb(tessera.pid));
      await sleep(10);
    }
    asked = now();
  }
  return { ms: now() - started, peakMb: Math.max(peakMb, rssMb(tessera.pid)) };
}

class Seeder {
  tokens = 0;
  events = 0;
  eventsSpentMs = 0;

  constructor(
    private readonly db: PgClient,
    readonly box: SecretBox,
    private readonly viewer: { id: string; tenant: { id: string } },
  ) {}

  /** Tokens up to `size` (1,000 of them verifiable); returns the values of those. */
  async tokensTo(size: number): Promise<string[]> {
    const { db, viewer } = this;
    const from = this.tokens + 1;
    const to = size - VERIFIABLE;
    // Each token ends at its own millisecond (as tokens made one by one do): 0 to 399 days ahead.
    await db.query(
      `insert into tokens (id, tenant_id, kind, name, start, owner_id, expires_at, expiring_at, created_at, updated_at)
       select id, $1, 'PERSONAL_ACCESS', name, 'tsp_', $2, ends, ends - interval '30 days', now(), now()
       from (select 'pat_' || lpad(to_hex(g), 22, '0') as id, 'bulk ' || g as name,
                    date_trunc('milliseconds', now() + ((g % 400) || ' days')::interval + floor(random() * 86400000) * interval '1 millisecond') as ends
             from generate_series($3::bigint, $4::bigint) g) t`,
      [viewer.tenant.id, viewer.id, from, to],
    );
    await db.query(
      `insert into token_secrets (hash, token_id, created_at)
       select md5(random()::text || g) || md5(g::text), 'pat_' || lpad(to_hex(g), 22, '0'), now() from generate_series($1::bigint, $2::bigint) g`,
      [from, to],
    );
    const values: string[] = [];
    for (let i = 0; i < VERIFIABLE; i += 1) {
      const n = to + 1 + i;
      const { value, start } = generateToken('tsp');
      values.push(value);
      await db.query(
        `insert into tokens (id, tenant_id, kind, name, start, owner_id, expires_at, expiring_at, created_at, updated_at)
         values ($1, $2, 'PERSONAL_ACCESS', $3, $4, $5, now() + interval '90 days', now() + interval '60 days', now(), now())`,
        [patId(n), viewer.tenant.id, `real ${n}`, start, viewer.id],
      );
      await db.query(`insert into token_secrets (hash, token_id, created_at) values ($1, $2, now())`, [this.box.hash(value), patId(n)]);
    }
    this.tokens = size;
    return values;
  }

  /** Events up to `wanted` in total (a day old, about existing tokens), within what is left of the budget. */
  async eventsTo(wanted: number): Promise<void> {
    while (this.events < wanted && this.eventsSpentMs < EVENT_BUDGET_MS) {
      const started = now();
      const n = Math.min(EVENT_CHUNK, wanted - this.events);
      await this.db.query(
        `insert into token_events (tenant_id, type, token_id, token_kind, token_name, token_status, audience_rank, actor_type, occurred_at)
         select $1, case when g % 10 = 0 then 'CREATED' else 'REFRESHED' end, 'pat_' || lpad(to_hex(1 + g % $3::bigint), 22, '0'), 'PERSONAL_ACCESS',
                'bulk', 'ACTIVE', 3, 'system', now() - interval '1 day'
         from generate_series(1, $2::bigint) g`,
        [this.viewer.tenant.id, n, this.tokens],
      );
      this.events += n;
      this.eventsSpentMs += now() - started;
    }
  }
}

async function run(): Promise<void> {
  console.log(
    `\n## scale — PostgreSQL (shared_buffers ${SHARED_BUFFERS}), ${SIZES.map((n) => n.toLocaleString('en-US')).join(' → ')} personal access tokens of one owner, ${EVENTS_PER_TOKEN} events per token`,
  );
  // Sized as a server for a million tokens would be (the default 128 MB holds the 100k step's
  // tables but not the 1M step's, and the sweep then measures buffer evictions): a quarter of a
  // small server's memory.
  const postgres = await startPostgres({ shared_buffers: SHARED_BUFFERS, ...(DIAGNOSE ? { shared_preload_libraries: `'pg_stat_statements'` } : {}) });
  const secretKeyHex = randomBytes(32).toString('hex');
  const databaseUrl = await postgres.createDatabase('bench_scale');
  const tessera = await startTessera({
    // The heap left after each full GC (the live set) tells retention from V8 letting its heap grow.
    nodeArgs: ['--trace-gc', '--trace-gc-ignore-scavenger'],
    databaseUrl,
    secretKey: secretKeyHex,
    env: {
      TESSERA_RATE_VERIFY_PER_TOKEN_PER_MINUTE: '0',
      TESSERA_RATE_VERIFY_PER_IP_PER_MINUTE: '0',
      TESSERA_SWEEP_INTERVAL_MS: '500',
      TESSERA_RETENTION_INTERVAL_MS: '1000',
    },
  });
  const fullGcs: { at: number; liveMb: number }[] = [];
  tessera.child.stdout?.on('data', (chunk: Buffer) => {
    for (const match of chunk.toString().matchAll(/Mark-Compact[^\d]*[\d.]+ \([\d.]+\) -> ([\d.]+) \([\d.]+\) MB/g))
      fullGcs.push({ at: now(), liveMb: Number(match[1]) });
  });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Client } = require('pg') as { Client: new (c: { connectionString: string }) => PgClient };
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const viewer = (await gql(tessera.url, tessera.adminToken, '{ viewer { id tenant { id } } }')).viewer as { id: string; tenant: { id: string } };
    const seeder = new Seeder(db, new SecretBox(Buffer.from(secretKeyHex, 'hex')), viewer);
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${tessera.adminToken}` };
    const rows: (string | number)[][] = [];
    const results: Record<string, number[]> = {};
    const plans: string[] = [];
    const liveRatios: [number, number][] = [];
    const record = (size: number, name: string, samples: number[], unit = 'ms') => {
      (results[name] ??= []).push(median(samples));
      rows.push([
        size.toLocaleString('en-US'),
        name,
        `${fmt(median(samples), 2)} ${unit}`,
        samples.length > 1 ? `${fmt(quantile(samples, 0.99), 2)} ${unit}` : '',
      ]);
    };
    // Warm the server's code paths first (JIT, caches of plans): the first size is not the cold one.
    await seeder.tokensTo(VERIFIABLE + 100).then(async (warmValues) => {
      for (const value of warmValues.slice(0, 200))
        await fetch(`${tessera.url}/v1/verify`, { method: 'POST', headers, body: JSON.stringify({ token: value }) }).then((r) => r.arrayBuffer());
      for (let i = 0; i < 50; i += 1) {
        await gql(tessera.url, tessera.adminToken, PAT_PAGE, { filter: i % 2 ? { status: 'EXPIRING' } : {} });
        await gql(tessera.url, tessera.adminToken, 'query($after: ID) { tokenEvents(first: 100, after: $after) { pageInfo { endCursor } } }', { after: '0' });
      }
    });
    for (const size of SIZES) {
      const label = size.toLocaleString('en-US');
      const seeded = now();
      const values = await seeder.tokensTo(size);
      await seeder.eventsTo(size * EVENTS_PER_TOKEN);
      // What autovacuum would have done by now: statistics and the visibility map (index-only scans).
      for (const name of ['tokens', 'token_secrets', 'token_events']) await db.query(`vacuum analyze ${name}`);
      // And the checkpoint the bulk load's WAL would have triggered: without it the checkpointer
      // writes gigabytes of dirty buffers while the 1M step is measured (a run of 2026-12-05 had even
      // the cached verify, which reads no table, 1.33× slower there).
      await db.query('checkpoint');
      rows.push([label, `(seeded in ${fmt((now() - seeded) / 1000, 1)} s; ${seeder.events.toLocaleString('en-US')} events in all)`, '', '']);
      await idle(tessera);

      // Verify, uncached then cached.
      const verify = (token: string) =>
        fetch(`${tessera.url}/v1/verify`, { method: 'POST', headers, body: JSON.stringify({ token }) }).then(async (r) => {
          const body = (await r.json()) as { valid: boolean };
          if (!body.valid) throw new Error('a seeded token did not verify');
        });
      record(size, 'verify, uncached token', await timed(SAMPLES, (i) => verify(values[i])));
      await verify(values[0]);
      record(size, 'verify, cached token', await timed(SAMPLES, () => verify(values[0])));

      // Pages (keyset), then the count apart.
      const page = (filter: Record<string, unknown>, after?: string) => gql(tessera.url, tessera.adminToken, PAT_PAGE, { after, filter });
      record(size, 'personalAccessTokens, first page', await timed(SAMPLES / 5, () => page({})));
      const deepId = (await db.query<{ id: string }>(`select id from tokens where owner_id = $1 order by id desc offset 10000 limit 1`, [viewer.id])).rows[0]
        .id;
      const deepCursor = Buffer.from(`c:${deepId}`).toString('base64url');
      record(size, 'personalAccessTokens, 10,000 deep', await timed(SAMPLES / 5, () => page({}, deepCursor)));
      record(size, 'personalAccessTokens, EXPIRING', await timed(SAMPLES / 5, () => page({ status: 'EXPIRING' })));
      record(size, 'totalCount (exact count; linear by nature)', await timed(SAMPLES / 10, () => gql(tessera.url, tessera.adminToken, PAT_COUNT)));

      // Replay of the last 1,000 events.
      const lastEvent = Number((await db.query<{ id: string }>('select max(id) as id from token_events')).rows[0].id);
      const replay = await timed(SAMPLES / 10, async () => {
        let after = String(lastEvent - 1000);
        for (let fetched = 0; fetched < 1000; fetched += 100) {
          const data = await gql(tessera.url, tessera.adminToken, 'query($after: ID) { tokenEvents(first: 100, after: $after) { pageInfo { endCursor } } }', {
            after,
          });
          after = (data.tokenEvents as { pageInfo: { endCursor: string } }).pageInfo.endCursor;
        }
      });
      record(size, 'tokenEvents, replay of the last 1,000', replay);

      // The expiry sweep: schedule the new tokens' notices as creation would; those in the next 30 days are due now.
      const marker = String(lastEvent);
      // The due set, kept aside: tokens noticed besides them are legitimate (a token of an earlier
      // step reaching its 7-day threshold meanwhile, one expiring during the sweep after its warning).
      await db.query('drop table if exists due_now');
      await db.query(
        `create temp table due_now as select id from tokens
         where kind = 'PERSONAL_ACCESS' and next_notice_at is null and noticed_threshold_days is null and expires_at <= now() + interval '30 days'`,
      );
      await db.query('create unique index on due_now (id); analyze due_now');
      const due = (await db.query(`update tokens set next_notice_at = expires_at - interval '30 days' where id in (select id from due_now)`)).rowCount ?? 0;
      const notices = async () =>
        Number(
          (await db.query<{ n: string }>(`select count(*) as n from token_events where id > $1 and type in ('EXPIRING_SOON', 'EXPIRED')`, [marker])).rows[0].n,
        );
      const noticedDue = async () =>
        Number(
          (
            await db.query<{ n: string }>(
              `select count(distinct e.token_id) as n from token_events e join due_now d on d.id = e.token_id where e.id > $1 and e.type in ('EXPIRING_SOON', 'EXPIRED')`,
              [marker],
            )
          ).rows[0].n,
        );
      if (DIAGNOSE) await db.query('create extension if not exists pg_stat_statements; select pg_stat_statements_reset()');
      const rssBefore = rssMb(tessera.pid);
      const sweepStarted = now();
      // Cheap to ask (a range of the primary key), then confirmed with the due set (a join: asked
      // every 250 ms it took a core from the sweep at 1M).
      const sweep = await watch(tessera, async () => (await notices()) >= due && (await noticedDue()) >= due, 600_000, 500);
      await sleep(1000); // a late duplicate would land within the next sweep
      // Each notice once: no (token, type, threshold) twice.
      const once = (
        await db.query<{ notices: string; uniq: string }>(
          `select count(*) as notices, count(distinct (token_id, type, coalesce(data::jsonb->>'thresholdDays', ''))) as uniq from token_events where id > $1 and type in ('EXPIRING_SOON', 'EXPIRED')`,
          [marker],
        )
      ).rows[0];
      record(size, 'sweep, per notice', [(sweep.ms * 1000) / Math.max(due, 1)], 'µs');
      if (DIAGNOSE) {
        const top = await db.query<{ query: string; calls: string; total: number; mean: number; rows: string }>(
          `select left(regexp_replace(query, '\\s+', ' ', 'g'), 110) as query, calls, round(total_exec_time::numeric, 1)::float as total, round(mean_exec_time::numeric, 3)::float as mean, rows from pg_stat_statements order by total_exec_time desc limit 8`,
        );
        console.log(`\n${label}: the sweep's statements by total time (ms)`);
        table(
          ['statement', 'calls', 'total ms', 'mean ms', 'rows'],
          top.rows.map((r) => [r.query, r.calls, fmt(r.total, 1), fmt(r.mean, 3), r.rows]),
        );
      }
      // Memory: the live set after the full GCs during the sweep against the last one before it.
      const liveBefore = fullGcs.filter((gc) => gc.at < sweepStarted).at(-1)?.liveMb ?? NaN;
      const during = fullGcs.filter((gc) => gc.at >= sweepStarted && gc.at <= sweepStarted + sweep.ms).map((gc) => gc.liveMb);
      if (during.length > 0) liveRatios.push([size, Math.max(...during) / liveBefore]);
      rows.push([
        label,
        `  sweep memory: RSS ${fmt(rssBefore, 0)} → peak ${fmt(sweep.peakMb, 0)} MB; live heap ${fmt(liveBefore, 1)} MB before, ${during.length ? `max ${fmt(Math.max(...during), 1)} MB over ${during.length} full GCs during it` : 'no full GC during it'}`,
        '',
        '',
      ]);
      rows.push([
        label,
        `  sweep: ${due.toLocaleString('en-US')} due, all noticed in ${fmt(sweep.ms / 1000, 1)} s; ${Number(once.notices).toLocaleString('en-US')} notices in all, ${Number(once.uniq).toLocaleString('en-US')} distinct`,
        '',
        '',
      ]);
      if (once.notices !== once.uniq) throw new Error(`a notice was emitted twice: ${once.notices} notices, ${once.uniq} distinct`);

      // Retention: age a prefix of the history past the 90 days kept, then time its pruning.
      await idle(tessera);
      const prune = Math.min(size, seeder.events) / 10;
      const { through } = (
        await db.query<{ through: string }>(
          `with aged as (update token_events set occurred_at = now() - interval '100 days' where id in (select id from token_events order by id asc limit $1) returning id)
           select max(id) as through from aged`,
          [prune],
        )
      ).rows[0];
      const pruned = await watch(
        tessera,
        async () =>
          BigInt((await db.query<{ p: string }>('select pruned_through as p from event_retention where id = 1')).rows[0]?.p ?? '0') >= BigInt(through),
        600_000,
      );
      record(size, 'retention, per pruned event', [(pruned.ms * 1000) / prune], 'µs');
      rows.push([
        label,
        `  retention: ${prune.toLocaleString('en-US')} events pruned in ${fmt(pruned.ms / 1000, 2)} s (with up to 1 s waiting for the job's timer)`,
        '',
        '',
      ]);

      // The plans of the statements behind each read, as the services write them.
      const explain = async (what: string, sql: string, params: unknown[]) => {
        const plan = (await db.query<{ 'QUERY PLAN': string }>(`explain ${sql}`, params)).rows.map((r) => r['QUERY PLAN'].trim()).join(' | ');
        plans.push(`${label} ${what}: ${/Seq Scan/.test(plan) ? 'SEQ SCAN — ' : ''}${plan.slice(0, 200)}`);
      };
      await explain('verify lookup', 'select * from token_secrets s join tokens t on t.id = s.token_id where s.hash = $1', [seeder.box.hash(values[5])]);
      await explain(
        'page 10,000 deep',
        `select id from tokens where kind = 'PERSONAL_ACCESS' and tenant_id = $1 and owner_id = $2 and id < $3 order by id desc limit 101`,
        [viewer.tenant.id, viewer.id, deepId],
      );
      await explain(
        'EXPIRING page',
        `select id from tokens where kind = 'PERSONAL_ACCESS' and tenant_id = $1 and owner_id = $2 and revoked_at is null and expires_at > now() and expiring_at <= now() order by id desc limit 101`,
        [viewer.tenant.id, viewer.id],
      );
      await explain('totalCount', `select count(*) from tokens where kind = 'PERSONAL_ACCESS' and tenant_id = $1 and owner_id = $2`, [
        viewer.tenant.id,
        viewer.id,
      ]);
      await explain('events replay', 'select * from token_events where tenant_id = $1 and id > $2 order by id asc limit 101', [
        viewer.tenant.id,
        lastEvent - 1000,
      ]);
      await explain(
        'sweep, due tokens',
        `select * from tokens where next_notice_at >= now() - interval '30 days' and next_notice_at <= now() and revoked_at is null order by next_notice_at asc limit 500`,
        [],
      );
      const claimed = (
        await db.query<{ id: string; next: Date }>(`select id, next_notice_at as next from tokens where next_notice_at is not null order by id desc limit 1`)
      ).rows[0];
      if (claimed)
        await explain(
          'sweep, claim of one notice',
          `update tokens set next_notice_at = $1, noticed_threshold_days = 30 where id = $2 and next_notice_at >= $3 and next_notice_at < $4`,
          [claimed.next, claimed.id, claimed.next, new Date(claimed.next.getTime() + 1)],
        );
      await explain('retention, oldest events', 'select id, occurred_at from token_events order by id asc limit 1000', []);
    }

    table(['tokens', 'measure', 'p50', 'p99'], rows);
    if (seeder.events < SIZES[SIZES.length - 1] * EVENTS_PER_TOKEN)
      console.log(
        `\n(events: reached ${seeder.events.toLocaleString('en-US')} of ${(SIZES[SIZES.length - 1] * EVENTS_PER_TOKEN).toLocaleString('en-US')} within the budget)`,
      );
    console.log('\ngrowth per 10× data (median at the larger size / median at the smaller; target ≤ 1.3×; a count grows with what it counts):');
    table(
      ['measure', ...SIZES.slice(1).map((size, i) => `${SIZES[i].toLocaleString('en-US')} → ${size.toLocaleString('en-US')}`), 'verdict'],
      Object.entries(results).map(([name, medians]) => {
        const factors = medians.slice(1).map((m, i) => m / medians[i]);
        const verdict = name.startsWith('totalCount') ? '(no target)' : factors.every((f) => f <= 1.3) ? 'MET' : 'NOT MET';
        return [name, ...factors.map((f) => `${fmt(f, 2)}×`), verdict];
      }),
    );
    const bounded = liveRatios.every(([, ratio]) => ratio <= 1.3);
    console.log(
      `\nsweep memory bounded (the live heap after full GCs during the sweep ≤ 1.3× the last before it, at every size with a full GC during it): ${liveRatios.length ? liveRatios.map(([size, ratio]) => `${size.toLocaleString('en-US')}: ${fmt(ratio, 2)}×`).join(', ') : 'no full GC during any sweep'} → ${bounded ? 'MET' : 'NOT MET'}`,
    );
    console.log('\nplans:');
    for (const line of plans) console.log(`  ${line}`);
  } finally {
    await db.end().catch(() => undefined);
    await tessera.stop();
    await postgres.stop();
  }
}

main('scale', run, 40 * 60_000);
