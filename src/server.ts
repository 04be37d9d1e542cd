import 'reflect-metadata';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MikroORM } from '@mikro-orm/core';
import type { DestinationStream } from 'pino';
import { systemClock, type Clock } from './core/clock';
import { clientAddressOf } from './core/client-address';
import type { Config } from './core/config';
import type { Bus } from './core/events/bus';
import type { EventDispatcher } from './core/events/dispatcher';
import { createErrorFormatter } from './core/graphql/format-error';
import { limitRules, validateWithLimits } from './core/graphql/limits';
import { createLogger, type Logger } from './core/logger';
import type { Retention } from './core/retention';
import { mountApollo } from './host/apollo';
import { attachGraphqlWs } from './host/graphql-ws';
import { createHttpApp } from './host/http-app';
import { startInfrastructure } from './host/infrastructure';
import { startJobs } from './host/jobs';
import { assemble, MODULES, type TesseraModule } from './modules';
import type { BootstrapResult } from './modules/users';
import type { ExpirySweep } from './notices';
import { buildTesseraSchema } from './schema';
import { createServices, type Services } from './services';
import { createVerifyHandler } from './verify/api';
import { HttpDrain } from './host/http-drain';

export { CloseCode } from '../shared/close-codes';
export { isAcceptableRequestId, routeLabel } from './host/http-app';

export interface ServerOptions {
  /** Where time comes from. @default the system clock */
  clock?: Clock;
  /** Where JSON log lines go. @default stdout */
  logDestination?: DestinationStream;
  logger?: Logger;
  /** Called with each SQL statement (tests count them). */
  onQuery?: (sql: string) => void;
  /** Where the one-time bootstrap line is printed. @default stdout */
  print?: (line: string) => void;
  /** Run the background jobs on their intervals (expiry sweep, retention, OAuth refresh). @default true */
  sweep?: boolean;
  /** The modules this server is made of. @default every module (MODULES) */
  modules?: readonly TesseraModule[];
}

export interface TesseraServer {
  /** `http://host:port` of this instance. */
  url: string;
  port: number;
  services: Services;
  orm: MikroORM;
  bus: Bus;
  sweep: ExpirySweep;
  /** Pruning of events and expired short-lived tokens past retention (tests call `run()`). */
  retention: Retention;
  dispatcher: EventDispatcher;
  bootstrap: BootstrapResult;
  close(): Promise<void>;
}

/** Prints the first administrator's token once, with a line to paste into a shell (README's commands use $ADMIN_TOKEN). */
function announce(bootstrap: BootstrapResult, print: (line: string) => void): void {
  if (bootstrap.generatedToken) {
    print(`admin token: ${bootstrap.generatedToken}`);
    print(`export ADMIN_TOKEN=${bootstrap.generatedToken}`);
  } else if (bootstrap.created) {
    print('admin token: the value of TESSERA_BOOTSTRAP_ADMIN_TOKEN');
    print('export ADMIN_TOKEN="$TESSERA_BOOTSTRAP_ADMIN_TOKEN"');
  }
}

/**
 * Starts one Tessera instance from its parts (src/host): infrastructure (storage, bus, core),
 * the services and first-start bootstrap, the HTTP app, GraphQL over WebSocket and over HTTP,
 * and the background jobs; `close()` unwinds them in reverse. Tests start several.
 */
export async function createServer(config: Config, options: ServerOptions = {}): Promise<TesseraServer> {
  const logger = options.logger ?? createLogger(config.logLevel, options.logDestination);
  const clock = options.clock ?? systemClock;
  const assembly = assemble(options.modules ?? MODULES);
  const infra = await startInfrastructure(config, { clock, logger, assembly, onQuery: options.onQuery });
  const { orm, bus, metrics, deps } = infra;
  const services = createServices(deps, assembly.modules, assembly.nodeSources);
  const bootstrap = await services.users.bootstrap(config.bootstrapAdminToken);
  announce(bootstrap, options.print ?? ((line: string) => process.stdout.write(line + '\n')));

  const schema = await buildTesseraSchema(assembly);
  const app = createHttpApp({
    config,
    services,
    logger,
    metrics,
    orm,
    bus,
    dispatcher: deps.dispatcher,
    instanceId: infra.instanceId,
    routes: assembly.routes,
  });
  const clientAddress = clientAddressOf(config.trustProxy);
  // The verify hot path is answered before Express sees the request; everything else goes to Express.
  const verifyHandler = createVerifyHandler(services, logger, metrics, clientAddress);
  const httpServer = createHttpServer();
  const httpDrain = new HttpDrain(httpServer);
  httpServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
    httpDrain.answering(res);
    if (!verifyHandler(req, res)) app(req, res);
  });
  const formatError = createErrorFormatter({ introspection: config.introspection });
  const rules = limitRules(config.queryLimits);
  const validate = validateWithLimits(rules, { introspection: config.introspection });
  const ws = attachGraphqlWs({
    httpServer,
    schema,
    validate,
    config,
    services,
    verifier: deps.verifier,
    bus,
    clock,
    metrics,
    logger,
    formatError,
    clientAddress,
  });
  const apollo = await mountApollo({
    app,
    httpDrain,
    schema,
    rules,
    config,
    services,
    lifecycle: deps.lifecycle,
    logger,
    formatError,
    clientAddress,
    drain: () => ws.drain(),
  });
  const jobs = startJobs(deps, services, config, assembly.modules, options.sweep !== false);

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, config.host, () => resolve());
  });
  const port = (httpServer.address() as AddressInfo).port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  logger.info({ port, database: config.database.type, bus: config.redisUrl ? 'redis' : 'in-process' }, 'tessera is listening');

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    services,
    orm,
    bus,
    sweep: jobs.sweep,
    retention: jobs.retention,
    dispatcher: deps.dispatcher,
    bootstrap,
    close() {
      closing ??= (async () => {
        // Background jobs finish their batch before the database goes away.
        await jobs.stop();
        await infra.stopFeeds();
        await apollo.stop();
        ws.close();
        await infra.close();
      })();
      return closing;
    },
  };
}
