/**
 * scale (issue 21, part 1, first cut): how the cost of the main reads grows with the data, on
 * PostgreSQL. One Tessera process on the harness's private PostgreSQL; the database grows in steps
 * (10k, 100k, 1M personal access tokens of one owner, with one event per token — --quick stops at
 * 100k). Tokens are bulk-inserted with SQL (`generate_series`) into the same tables the API writes;
 * 1,000 of them per step carry real values (keyed hashes made with the server's own SecretBox) so
 * they can be verified, the rest carry random hashes. At each size it measures, through the API:
 * verify of an uncached token and of a cached one, the first page and a page 10,000 items deep of
 * `personalAccessTokens` (keyset cursors), the EXPIRING-filtered page, and `tokenEvents` replay
 * of the last 1,000 events; and it prints each query's plan (EXPLAIN) and the growth factor per
 * 10× data. Target: ≤ 1.3× per 10× for every indexed lookup and page.
 *
 *   node dist-bench/bench/scale.js [--quick]
 *
 * Not yet here: the expiry sweep over a month of expiries (time, peak RSS) and retention pruning.
 */
import { randomBytes } from 'node:crypto';
import { startPostgres } from '../test/harness/services';
import { SecretBox, generateToken } from '../src/core/secrets';
import { QUICK, fmt, gql, main, median, processCpuNs, quantile, sleep, startTessera, table } from './lib/common';

const SIZES = QUICK ? [10_000, 100_000] : [10_000, 100_000, 1_000_000];
const VERIFIABLE = 1_000;
const SAMPLES = QUICK ? 100 : 300;
const now = (): number => Number(process.hrtime.bigint()) / 1e6;

interface PgClient {
  connect(): Promise<void>;
  query<R = Record<string, unknown>>(q: string, values?: unknown[]): Promise<{ rows: R[] }>;
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

async function run(): Promise<void> {
  console.log(`\n## scale — PostgreSQL, ${SIZES.map((n) => n.toLocaleString('en-US')).join(' → ')} personal access tokens of one owner, one event each`);
  const postgres = await startPostgres();
  const secretKeyHex = randomBytes(32).toString('hex');
  const databaseUrl = await postgres.createDatabase('bench_scale');
  const tessera = await startTessera({
    databaseUrl,
    secretKey: secretKeyHex,
    env: { TESSERA_RATE_VERIFY_PER_TOKEN_PER_MINUTE: '0', TESSERA_RATE_VERIFY_PER_IP_PER_MINUTE: '0' },
  });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Client } = require('pg') as { Client: new (c: { connectionString: string }) => PgClient };
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  const box = new SecretBox(Buffer.from(secretKeyHex, 'hex'));
  try {
    const viewer = (await gql(tessera.url, tessera.adminToken, '{ viewer { id tenant { id } } }')).viewer as { id: string; tenant: { id: string } };
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${tessera.adminToken}` };
    const rows: (string | number)[][] = [];
    const results: Record<string, number[]> = {};
    const plans: string[] = [];
    let have = 0;
    for (const size of SIZES) {
      const seeded = now();
      // Filler: tokens of the admin with random hashes, ids that sort like real ones (time-ordered).
      await db.query(
        `insert into tokens (id, tenant_id, kind, name, start, owner_id, expires_at, expiring_at, created_at, updated_at)
         select 'pat_' || lpad(to_hex(g), 22, '0'), $1, 'PERSONAL_ACCESS', 'bulk ' || g, 'tsp_', $2,
                now() + ((g % 400) || ' days')::interval, now() + ((g % 400) || ' days')::interval - interval '7 days', now(), now()
         from generate_series($3::bigint, $4::bigint) g`,
        [viewer.tenant.id, viewer.id, have + 1, size - VERIFIABLE],
      );
      await db.query(
        `insert into token_secrets (hash, token_id, created_at) select md5(random()::text || g) || md5(g::text), 'pat_' || lpad(to_hex(g), 22, '0'), now() from generate_series($1::bigint, $2::bigint) g`,
        [have + 1, size - VERIFIABLE],
      );
      await db.query(
        `insert into token_events (tenant_id, type, token_id, token_kind, token_name, token_status, audience_rank, actor_type, occurred_at)
         select $1, 'CREATED', 'pat_' || lpad(to_hex(g), 22, '0'), 'PERSONAL_ACCESS', 'bulk ' || g, 'ACTIVE', 3, 'system', now() from generate_series($2::bigint, $3::bigint) g`,
        [viewer.tenant.id, have + 1, size - VERIFIABLE],
      );
      // Verifiable ones: real values, hashed with the server's key.
      const values: string[] = [];
      for (let i = 0; i < VERIFIABLE; i += 1) {
        const n = size - VERIFIABLE + 1 + i;
        const { value, start } = generateToken('tsp');
        values.push(value);
        const id = `pat_${n.toString(16).padStart(22, '0')}`;
        await db.query(
          `insert into tokens (id, tenant_id, kind, name, start, owner_id, expires_at, expiring_at, created_at, updated_at) values ($1, $2, 'PERSONAL_ACCESS', $3, $4, $5, now() + interval '90 days', now() + interval '60 days', now(), now())`,
          [id, viewer.tenant.id, `real ${n}`, start, viewer.id],
        );
        await db.query(`insert into token_secrets (hash, token_id, created_at) values ($1, $2, now())`, [box.hash(value), id]);
      }
      await db.query('analyze tokens; analyze token_secrets; analyze token_events');
      have = size;
      const seedS = (now() - seeded) / 1000;
      // The instance reads every new event (its dispatcher, the webhook fan-out): measure once it
      // has caught up with the bulk insert and sits idle (under 5% of a core for half a second).
      for (const deadline = now() + 300_000; now() < deadline;) {
        const cpu = processCpuNs(tessera.pid);
        await sleep(500);
        if ((processCpuNs(tessera.pid) - cpu) / 500e6 < 0.05) break;
      }

      const verify = (token: string) =>
        fetch(`${tessera.url}/v1/verify`, { method: 'POST', headers, body: JSON.stringify({ token }) }).then(async (r) => {
          const body = (await r.json()) as { valid: boolean };
          if (!body.valid) throw new Error('a seeded token did not verify');
        });
      const uncached = await timed(SAMPLES, (i) => verify(values[i]));
      await verify(values[0]);
      const cached = await timed(SAMPLES, () => verify(values[0]));
      const page = (filter: Record<string, unknown>, after?: string) =>
        gql(
          tessera.url,
          tessera.adminToken,
          'query($after: String, $filter: PersonalAccessTokenFilter) { personalAccessTokens(first: 100, after: $after, filter: $filter) { totalCount edges { node { id name status expiresAt } } } }',
          {
            after,
            filter,
          },
        );
      const first = await timed(SAMPLES / 5, () => page({}));
      const deepId = (await db.query<{ id: string }>(`select id from tokens where owner_id = $1 order by id desc offset 10000 limit 1`, [viewer.id])).rows[0]
        .id;
      const deepCursor = Buffer.from(`c:${deepId}`).toString('base64url');
      const deep = await timed(SAMPLES / 5, () => page({}, deepCursor));
      const expiring = await timed(SAMPLES / 5, () => page({ status: 'EXPIRING' }));
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
      const measures: [string, number[]][] = [
        ['verify, uncached token', uncached],
        ['verify, cached token', cached],
        ['personalAccessTokens, first page', first],
        ['personalAccessTokens, 10,000 deep', deep],
        ['personalAccessTokens, EXPIRING', expiring],
        ['tokenEvents, replay of the last 1,000', replay],
      ];
      for (const [name, samples] of measures) {
        (results[name] ??= []).push(median(samples));
        rows.push([size.toLocaleString('en-US'), name, fmt(median(samples), 2), fmt(quantile(samples, 0.99), 2)]);
      }
      rows.push([size.toLocaleString('en-US'), `(seeded in ${fmt(seedS, 1)} s)`, '', '']);

      // The plans of the statements behind each read (as the services write them).
      const explain = async (label: string, sql: string, values: unknown[]) => {
        const plan = (await db.query<{ 'QUERY PLAN': string }>(`explain ${sql}`, values)).rows.map((r) => r['QUERY PLAN']).join(' | ');
        plans.push(`${size.toLocaleString('en-US')} ${label}: ${/Seq Scan/.test(plan) ? 'SEQ SCAN — ' : ''}${plan.slice(0, 220)}`);
      };
      await explain('verify lookup', 'select * from token_secrets s join tokens t on t.id = s.token_id where s.hash = $1', [box.hash(values[5])]);
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
      await explain('events replay', 'select * from token_events where tenant_id = $1 and id > $2 order by id asc limit 101', [
        viewer.tenant.id,
        lastEvent - 1000,
      ]);
      await sleep(200);
    }

    table(['tokens', 'measure', 'p50 ms', 'p99 ms'], rows);
    console.log('\ngrowth per 10× data (median at the larger size / median at the smaller; target ≤ 1.3× for indexed lookups and pages):');
    table(
      ['measure', ...SIZES.slice(1).map((size, i) => `${SIZES[i].toLocaleString('en-US')} → ${size.toLocaleString('en-US')}`), 'verdict'],
      Object.entries(results).map(([name, medians]) => {
        const factors = medians.slice(1).map((m, i) => m / medians[i]);
        return [name, ...factors.map((f) => `${fmt(f, 2)}×`), factors.every((f) => f <= 1.3) ? 'MET' : 'NOT MET'];
      }),
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
