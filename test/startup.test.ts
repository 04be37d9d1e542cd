import { randomBytes } from 'node:crypto';
import { ViewerDocument } from './generated/graphql';
import { dataOf, newDatabaseUrl, startTessera, type Backend, type TestInstance } from './harness/tessera';
import { Tenant, User } from '../src/modules/users';
import { Role } from '../src/core/tokens/token-kind';

/**
 * Several instances started at once on one empty database (a rolling deploy, a compose file
 * with replicas): every one of them must come up, and the database must end with one tenant,
 * one administrator and one printed administrator token. Migrations and the bootstrap run under
 * a database lock; without it, instances failed on `relation ... already exists` and
 * `token_secrets_pkey`, and two "Default" tenants were made.
 */
const ROUNDS = 10;
const INSTANCES = 3;

interface Round {
  instances: TestInstance[];
  failures: string[];
}

async function startAtOnce(backend: Backend, options: { bootstrapToken?: string }): Promise<Round> {
  const databaseUrl = await newDatabaseUrl(backend);
  const secretKey = randomBytes(32).toString('hex');
  const env: Record<string, string> = options.bootstrapToken ? {} : { TESSERA_BOOTSTRAP_ADMIN_TOKEN: '' };
  const started = await Promise.allSettled(
    Array.from({ length: INSTANCES }, () => startTessera({ backend, databaseUrl, secretKey, bootstrapToken: options.bootstrapToken, env })),
  );
  const instances = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failures = started.flatMap((result) => (result.status === 'rejected' ? [String((result.reason as Error)?.message ?? result.reason)] : []));
  return { instances, failures };
}

async function checkRound(round: Round, bootstrapToken: string | undefined): Promise<void> {
  if (round.failures.length > 0) throw new Error(`${round.failures.length} of ${INSTANCES} starts failed: ${[...new Set(round.failures)].join('; ')}`);
  expect(round.instances).toHaveLength(INSTANCES);
  const printed = round.instances.flatMap((instance) => instance.printed);
  // Exactly one instance made the tenant and said so, once (the token, then a line for a shell).
  expect(printed).toHaveLength(2);
  let adminToken: string;
  if (bootstrapToken) {
    expect(printed).toEqual(['admin token: the value of TESSERA_BOOTSTRAP_ADMIN_TOKEN', 'export ADMIN_TOKEN="$TESSERA_BOOTSTRAP_ADMIN_TOKEN"']);
    adminToken = bootstrapToken;
  } else {
    const match = /^admin token: (tsp_\S+)$/.exec(printed[0]);
    expect(match).not.toBeNull();
    adminToken = match![1];
    expect(printed[1]).toBe(`export ADMIN_TOKEN=${adminToken}`);
  }
  // Every instance serves, and all of them the same administrator of the same tenant.
  const viewers = await Promise.all(round.instances.map(async (instance) => dataOf(await instance.gql(ViewerDocument, {}, adminToken)).viewer));
  expect(new Set(viewers.map((viewer) => viewer.tenant.id)).size).toBe(1);
  expect(new Set(viewers.map((viewer) => viewer.id)).size).toBe(1);
  expect(viewers[0]).toMatchObject({ role: 'ADMIN', tenant: { name: 'Default' } });
  const em = round.instances[0].server.orm.em.fork();
  expect(await em.count(Tenant, {})).toBe(1);
  expect(await em.count(User, { role: Role.ADMIN })).toBe(1);
}

/** An error's message on one line, without colours, for the list of failed rounds. */
function oneLine(error: unknown): string {
  // eslint-disable-next-line no-control-regex
  return String((error as Error).message ?? error)
    .replace(/\u001b\[[0-9;]*m/g, '')
    .replace(/\s+/g, ' ')
    .slice(0, 300);
}

describe('instances started at once on an empty PostgreSQL', () => {
  for (const withToken of [true, false]) {
    it(`should all serve, with one tenant, one administrator and one printed token, ${ROUNDS} rounds in a row (${withToken ? 'with' : 'without'} a bootstrap token)`, async () => {
      const problems: string[] = [];
      for (let round = 0; round < ROUNDS; round += 1) {
        const bootstrapToken = withToken ? `bootstrap-${randomBytes(24).toString('hex')}` : undefined;
        const started = await startAtOnce('postgres', { bootstrapToken });
        try {
          await checkRound(started, bootstrapToken);
        } catch (error) {
          problems.push(`round ${round + 1}: ${oneLine(error)}`);
        } finally {
          await Promise.all(started.instances.map((instance) => instance.close()));
        }
      }
      // Every round is run, so a failure shows how often it happens.
      expect(problems).toEqual([]);
    }, 240_000);
  }
});

describe('instances started at once on one empty SQLite file', () => {
  it(`should all serve, with one tenant and one printed token, ${ROUNDS} rounds in a row`, async () => {
    const problems: string[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const started = await startAtOnce('sqlite', {});
      try {
        await checkRound(started, undefined);
      } catch (error) {
        problems.push(`round ${round + 1}: ${oneLine(error)}`);
      } finally {
        await Promise.all(started.instances.map((instance) => instance.close()));
      }
    }
    expect(problems).toEqual([]);
  }, 240_000);
});
