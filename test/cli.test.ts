import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runCli } from '../src/cli';
import { Tenant } from '../src/modules/users';
import { ViewerDocument } from './generated/graphql';
import { BACKENDS, dataOf, errorCodeOf, startTessera, type TestInstance } from './harness/tessera';

/** Runs the command in-process with captured output. */
async function run(argv: string[], env: NodeJS.ProcessEnv) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, env, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** The value after `admin token: ` in the command's output (exactly one such line). */
function adminTokenIn(out: string): string {
  const lines = out.split('\n').filter((line) => line.startsWith('admin token: '));
  expect(lines).toHaveLength(1);
  return lines[0].slice('admin token: '.length);
}

/**
 * Issue 17 (operators): `tessera tenant create` makes a tenant and its administrator without
 * touching the database by hand, with the server's own configuration and services.
 */
describe.each(BACKENDS)('the tessera command on %s', (backend) => {
  let tessera: TestInstance;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    tessera = await startTessera({ backend });
    env = { DATABASE_URL: tessera.databaseUrl, TESSERA_SECRET_KEY: tessera.secretKey, TESSERA_DATA_DIR: mkdtempSync(join(tmpdir(), 'tessera-cli-')) };
  });

  afterAll(async () => {
    await tessera?.close();
  });

  const tenants = () => tessera.server.orm.em.fork().count(Tenant, {});

  it("should create a tenant whose administrator's token, printed once, works against a running instance", async () => {
    const email = `ops-${Date.now()}@acme.example`;
    const result = await run(['tenant', 'create', '--name', 'Acme', '--admin-email', email, '--admin-name', 'Ada Ops'], env);
    expect(result).toMatchObject({ code: 0, err: '' });
    const token = adminTokenIn(result.out);
    const viewer = dataOf(await tessera.gql(ViewerDocument, {}, token)).viewer;
    expect(viewer).toMatchObject({ email, name: 'Ada Ops', role: 'ADMIN', tenant: { name: 'Acme' } });
    expect(result.out).toContain(viewer.tenant.id);
    // Another tenant: the bootstrap administrator does not see it, nor it them.
    expect(dataOf(await tessera.gql(ViewerDocument, {})).viewer.tenant.id).not.toBe(viewer.tenant.id);
  });

  it.each([
    [['tenant', 'create', '--admin-email', 'a@acme.example'], /--name is required/],
    [['tenant', 'create', '--name', 'Acme'], /--admin-email is required/],
    [['tenant', 'create', '--name', 'Acme', '--admin-email', 'not-an-email'], /--admin-email must be an email address/],
    [['tenant', 'create', '--name', 'x'.repeat(101), '--admin-email', 'a@acme.example'], /--name must be 1 to 100 characters/],
    [['tenant', 'create', '--name', 'Acme', '--admin-email', 'a@acme.example', '--role', 'ADMIN'], /Unknown option '--role'/],
    [['tenant', 'delete'], /unknown command: tenant delete/],
  ])('should refuse %j with usage (exit 64) and create nothing', async (argv, message) => {
    const before = await tenants();
    const result = await run(argv, env);
    expect(result.code).toBe(64);
    expect(result.err).toMatch(message);
    expect(result.err).toContain('Usage: tessera');
    expect(result.out).toBe('');
    expect(await tenants()).toBe(before);
  });

  it('should say a configuration error as the server does (exit 78)', async () => {
    const result = await run(['tenant', 'create', '--name', 'Acme', '--admin-email', 'a@acme.example'], { ...env, TESSERA_SECRET_KEY: 'short' });
    expect(result.code).toBe(78);
    expect(result.err).toMatch(/^tessera: configuration error: /);
  });
});

describe('the tessera bin', () => {
  const bin = join(__dirname, '..', 'bin', 'tessera.js');
  // `npm test` builds dist/ first (pretest); the bin runs the compiled command as `npx tessera` does.
  const built = existsSync(join(__dirname, '..', 'dist', 'src', 'cli.js'));

  (built ? it : it.skip)('should run the compiled command from package.json "bin", printing only the result on stdout', async () => {
    const tessera = await startTessera({ backend: 'sqlite' });
    try {
      const env = {
        ...process.env,
        DATABASE_URL: tessera.databaseUrl,
        TESSERA_SECRET_KEY: tessera.secretKey,
        TESSERA_DATA_DIR: mkdtempSync(join(tmpdir(), 'tessera-cli-')),
        LOG_LEVEL: 'info',
      };
      const { stdout } = await promisify(execFile)(process.execPath, [bin, 'tenant', 'create', '--name', 'Globex', '--admin-email', 'ops@globex.example'], {
        env,
      });
      expect(stdout.split('\n').filter(Boolean)).toHaveLength(3);
      const token = adminTokenIn(stdout);
      expect(dataOf(await tessera.gql(ViewerDocument, {}, token)).viewer.tenant.name).toBe('Globex');
      // A made-up value is refused, so the check above could fail.
      expect(errorCodeOf(await tessera.gql(ViewerDocument, {}, `${token.slice(0, -2)}xx`))).toBe('UNAUTHENTICATED');
    } finally {
      await tessera.close();
    }
  });
});
