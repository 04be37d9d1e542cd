import { DAY } from '../../src/core/clock';
import { ManualClock } from '../../src/core/clock';
import { startPostgres, type PostgresServer } from '../harness/services';
import { eventually, startTessera, type TestInstance } from '../harness/tessera';
import { must, post } from './security.helpers';

/** No request may hang longer than this, whatever the database does. */
const HANG_BOUND_MS = 30_000;

interface Answer {
  phase: 'before' | 'outage' | 'after';
  operation: string;
  status: number;
  codes: string[];
  requestIds: unknown[];
  data: boolean;
}

async function ask(tessera: TestInstance, operation: 'viewer' | 'create', phase: Answer['phase']): Promise<Answer> {
  const query = operation === 'viewer' ? '{ viewer { id } }' : 'mutation { createPersonalAccessToken(input: { name: "under load" }) { token { id } } }';
  const response = await fetch(`${tessera.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${tessera.adminToken}` },
    body: JSON.stringify({ query }),
    signal: AbortSignal.timeout(HANG_BOUND_MS),
  });
  const body = (await response.json()) as { data?: unknown; errors?: { extensions?: { code?: string; requestId?: unknown } }[] };
  return {
    phase,
    operation,
    status: response.status,
    codes: (body.errors ?? []).map((error) => String(error.extensions?.code)),
    requestIds: (body.errors ?? []).map((error) => error.extensions?.requestId),
    data: Boolean(body.data) && !body.errors?.length,
  };
}

async function readyz(tessera: TestInstance): Promise<number> {
  return (await fetch(`${tessera.url}/readyz`, { signal: AbortSignal.timeout(HANG_BOUND_MS) })).status;
}

describe('faults', () => {
  describe('PostgreSQL restarted under load', () => {
    let pg: PostgresServer;
    let tessera: TestInstance;

    beforeAll(async () => {
      pg = await startPostgres();
      tessera = await startTessera({ backend: 'postgres', redis: false, databaseUrl: await pg.createDatabase() });
    });

    afterAll(async () => {
      await tessera?.close();
      await pg?.stop();
    });

    it('should answer every request during the outage with a clean, coded error, report 503 on /readyz, and recover without a restart', async () => {
      const answers: Answer[] = [];
      let phase: Answer['phase'] = 'before';
      let running = true;
      // Two clients hammering the API the whole time: a read and a write.
      const worker = async (operation: 'viewer' | 'create') => {
        // An answer belongs to the phase it arrives in (a request in flight at the stop fails then).
        while (running) answers.push({ ...(await ask(tessera, operation, phase)), phase });
      };
      const workers = [worker('viewer'), worker('create')];
      await eventually(
        async () => (answers.filter((answer) => answer.phase === 'before').length >= 6 ? true : undefined),
        20_000,
        'requests before the outage',
      );

      // A value never verified yet: checking it during the outage needs the database.
      const created = await fetch(`${tessera.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tessera.adminToken}` },
        body: JSON.stringify({ query: 'mutation { createPersonalAccessToken(input: { name: "unseen" }) { secret } }' }),
      });
      const unseen = ((await created.json()) as { data: { createPersonalAccessToken: { secret: string } } }).data.createPersonalAccessToken.secret;

      phase = 'outage';
      await pg.pause();
      expect(await readyz(tessera)).toBe(503);
      // REST says the same: 503, the code and reason, a request id, and when to retry.
      const verify = await fetch(`${tessera.url}/v1/verify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tessera.adminToken}` },
        body: JSON.stringify({ token: unseen }),
        signal: AbortSignal.timeout(HANG_BOUND_MS),
      });
      expect(verify.status).toBe(503);
      expect(verify.headers.get('retry-after')).toBe('1');
      const refused = (await verify.json()) as { error: { code: string; reason: string; requestId: unknown; message: string } };
      expect(refused.error).toMatchObject({ code: 'SERVICE_UNAVAILABLE', reason: 'STORAGE_UNAVAILABLE' });
      expect(typeof refused.error.requestId).toBe('string');
      expect(refused.error.message).not.toMatch(/ECONNREFUSED|select|insert|postgres/i);
      await eventually(
        async () => (answers.filter((answer) => answer.phase === 'outage' && answer.operation === 'create').length >= 3 ? true : undefined),
        HANG_BOUND_MS,
        'requests during the outage',
      );
      expect(await readyz(tessera)).toBe(503);

      await pg.resume();
      phase = 'after';
      await eventually(async () => ((await readyz(tessera)) === 200 ? true : undefined), HANG_BOUND_MS, '/readyz back to 200');
      await eventually(
        async () => (answers.filter((answer) => answer.phase === 'after' && answer.data).length >= 6 ? true : undefined),
        HANG_BOUND_MS,
        'requests succeeding after the restart',
      );
      running = false;
      await Promise.all(workers);

      expect(answers.filter((answer) => answer.phase === 'before').every((answer) => answer.data)).toBe(true);
      expect(answers.filter((answer) => answer.phase === 'outage' && !answer.data).every((answer) => answer.codes.length > 0)).toBe(true);
      const outage = answers.filter((answer) => answer.phase === 'outage');
      // Every failure says storage is unavailable (retry), with a request id (the cause is in the log): no stack, no SQL, never INTERNAL_SERVER_ERROR.
      for (const answer of outage.filter((one) => !one.data)) {
        expect({
          operation: answer.operation,
          codes: answer.codes,
          requestIdGiven: answer.requestIds.every((id) => typeof id === 'string' && id.length > 0),
        }).toEqual({ operation: answer.operation, codes: ['SERVICE_UNAVAILABLE'], requestIdGiven: true });
        expect(answer.status).toBeLessThan(600);
      }
      expect(outage.filter((answer) => answer.operation === 'create' && !answer.data).length).toBeGreaterThanOrEqual(3);
      // Once the database is back, the last answers of both clients are data again.
      const after = answers.filter((answer) => answer.phase === 'after');
      for (const operation of ['viewer', 'create']) expect(after.filter((answer) => answer.operation === operation).at(-1)?.data).toBe(true);
      expect(answers.filter((answer) => !answer.data).every((answer) => answer.phase !== 'before')).toBe(true);
    });

    it('should never turn a storage failure into NOT_FOUND (an existing provider during the outage)', async () => {
      const created = must(
        await post(
          tessera,
          'mutation P($input: CreateOAuthProviderInput!) { createOAuthProvider(input: $input) { id } }',
          {
            input: {
              name: 'during an outage',
              authorizeUrl: 'http://127.0.0.1:9/authorize',
              tokenUrl: 'http://127.0.0.1:9/token',
              defaultConsumerKey: 'k',
              defaultConsumerSecret: 's',
            },
          },
          tessera.adminToken,
        ),
      ).createOAuthProvider as { id: string };
      await pg.pause();
      try {
        const answer = await post(
          tessera,
          'mutation T($input: CreateOAuthTokenInput!) { createOAuthToken(input: $input) { token { id } } }',
          { input: { name: 'x', providerId: created.id, flow: 'CLIENT_CREDENTIALS' } },
          tessera.adminToken,
        );
        expect(answer.errors?.map((error) => error.extensions?.code)).toEqual(['SERVICE_UNAVAILABLE']);
      } finally {
        await pg.resume();
      }
    });
  });

  describe('an instance killed in the middle of an expiry sweep', () => {
    let a: TestInstance;
    let b: TestInstance;

    afterAll(async () => {
      await b?.close();
    });

    it('should leave the survivor to finish the sweep, with every notice exactly once', async () => {
      const clock = new ManualClock();
      a = await startTessera({ backend: 'postgres', clock });
      b = await startTessera({ backend: 'postgres', clock, databaseUrl: a.databaseUrl, bootstrapToken: a.adminToken, secretKey: a.secretKey });
      const count = 600;
      const created: string[] = [];
      const batch = Array.from({ length: 40 }, (_, i) => i);
      for (let i = 0; i < count; i += batch.length) {
        const ids = await Promise.all(
          batch.map(
            async (j) =>
              must(
                await post(
                  a,
                  'mutation M($name: String!) { createPersonalAccessToken(input: { name: $name, duration: DAYS_30 }) { token { id } } }',
                  { name: `due ${i + j}` },
                  a.adminToken,
                ),
              ).createPersonalAccessToken.token.id as string,
          ),
        );
        created.push(...ids);
      }
      // Every token crosses its 7-day threshold.
      clock.advance(24 * DAY);

      void a.server.sweep.run().catch(() => undefined);
      await a.server.close();
      // The survivor sweeps without waiting for the dead one (whose pool is gone).
      const fromB = await b.server.sweep.run();

      const connection = b.server.orm.em.fork().getConnection();
      const rows = (await connection.execute(
        `select token_id, count(*) as n from token_events where type = 'EXPIRING_SOON' and token_kind = 'PERSONAL_ACCESS' group by token_id`,
      )) as { token_id: string; n: string | number }[];
      const perToken = new Map(rows.map((row) => [row.token_id, Number(row.n)]));
      const missing = created.filter((id) => perToken.get(id) !== 1);
      expect({ missing: missing.length, twice: [...perToken.values()].filter((n) => n > 1).length }).toEqual({ missing: 0, twice: 0 });
      expect(fromB).toBeGreaterThan(0);
    });
  });
});
