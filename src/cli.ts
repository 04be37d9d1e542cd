#!/usr/bin/env node
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { validateSync } from 'class-validator';
import { systemClock } from './core/clock';
import { ConfigError, loadConfig } from './core/config';
import { openDatabase } from './core/db/orm';
import { InProcessBus } from './core/events/bus';
import { Role } from './core/graphql/enums';
import { NAME_PATTERN } from './core/graphql/validation';
import { newId } from './core/ids';
import { createLogger } from './core/logger';
import { MODULES, entities, migrations } from './modules';
import { CreateUserInput } from './modules/users';
import { buildCoreDeps } from './runtime';
import { createServices } from './services';

const USAGE = `Usage: tessera <command>

Commands:
  tenant create --name <name> --admin-email <email> [--admin-name <name>]
      Creates a tenant and its first administrator, and prints the administrator's
      token once (never expires; revoke it once you have your own).
  help
      Prints this.

The command reads the same settings as the server (DATABASE_URL, TESSERA_SECRET_KEY,
TESSERA_DATA_DIR, ...: see README's Configuration), so it acts on the same database
with the same keys. Running servers announce the new tenant's events as usual.
`;

/** A mistake in how the command was called: usage on stderr, exit 64 (EX_USAGE). */
class UsageError extends Error {}

interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** Validates the tenant's and administrator's fields exactly as the GraphQL inputs do. */
function checkTenantInput(
  name: string | undefined,
  email: string | undefined,
  adminName: string | undefined,
): { name: string; email: string; adminName: string } {
  if (!name) throw new UsageError('--name is required');
  if (!email) throw new UsageError('--admin-email is required');
  if (name.length > 100 || !NAME_PATTERN.test(name))
    throw new UsageError('--name must be 1 to 100 characters, without control characters or surrounding spaces');
  const admin = Object.assign(new CreateUserInput(), { email, name: adminName ?? 'Administrator', role: Role.ADMIN });
  const problems = validateSync(admin);
  if (problems.length > 0) {
    const first = problems[0];
    const flag = first.property === 'email' ? '--admin-email' : '--admin-name';
    throw new UsageError(`${flag} ${Object.values(first.constraints ?? {})[0] ?? 'is invalid'}`);
  }
  return { name, email, adminName: admin.name };
}

/** `tessera tenant create`: one tenant and its administrator, through the same service the API uses. */
async function createTenant(args: string[], env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { name: { type: 'string' }, 'admin-email': { type: 'string' }, 'admin-name': { type: 'string' } },
    strict: true,
  });
  const input = checkTenantInput(values.name, values['admin-email'], values['admin-name']);
  const config = loadConfig(env);
  // Log lines (migrations, warnings) go to stderr: stdout carries only the result.
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, pino.destination(2));
  const orm = await openDatabase({ database: config.database, entities, migrations });
  // No Redis: a new tenant has nothing any instance caches; its events reach every instance
  // through storage, as every event does.
  const bus = new InProcessBus(newId('ins'));
  const deps = buildCoreDeps({ config, orm, bus, clock: systemClock, logger });
  try {
    const services = createServices(deps, MODULES);
    const { tenant, admin, secret } = await services.users.createTenantWithAdmin({
      tenantName: input.name,
      adminEmail: input.email,
      adminName: input.adminName,
    });
    io.out(`tenant: ${tenant.id} (${tenant.name})`);
    io.out(`administrator: ${admin.id} <${admin.email}>`);
    io.out(`admin token: ${secret}`);
    return 0;
  } finally {
    await deps.verifier.close();
    await bus.close();
    await orm.close();
  }
}

/** Runs the command line `argv` (without node and the script); resolves to the exit code. */
export async function runCli(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  io: Io = { out: (line) => process.stdout.write(`${line}\n`), err: (line) => process.stderr.write(`${line}\n`) },
): Promise<number> {
  const [group, command, ...rest] = argv;
  try {
    if (group === undefined || group === 'help' || group === '--help' || group === '-h') {
      io.out(USAGE);
      return group === undefined ? 64 : 0;
    }
    if (group === 'tenant' && command === 'create') return await createTenant(rest, env, io);
    throw new UsageError(`unknown command: ${[group, command].filter(Boolean).join(' ')}`);
  } catch (error) {
    // parseArgs throws TypeErrors with an ERR_PARSE_ARGS_* code for unknown or malformed options.
    // (Matched by code, not class: the error may come from another realm, as under jest.)
    const parseFailure = typeof error === 'object' && error !== null && String((error as { code?: unknown }).code ?? '').startsWith('ERR_PARSE_ARGS');
    if (error instanceof UsageError || parseFailure) {
      io.err(`tessera: ${(error as Error).message}`);
      io.err(USAGE);
      return 64;
    }
    if (error instanceof ConfigError) {
      io.err(`tessera: configuration error: ${error.message}`);
      return 78;
    }
    io.err(`tessera: ${(error as { message?: unknown } | null)?.message ?? String(error)}`);
    return 1;
  }
}

if (require.main === module) {
  runCli(process.argv.slice(2)).then((code) => process.exit(code));
}
