import 'reflect-metadata';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type NextFunction, type Request, type Response } from 'express';
import { WebSocketServer, type WebSocket } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import type { MikroORM } from '@mikro-orm/core';
import { bearerValue } from './core/auth/auth-checker';
import { systemClock, type Clock } from './core/clock';
import type { Config } from './core/config';
import { openDatabase } from './core/db/orm';
import { InProcessBus, RedisBus, type Bus } from './core/events/bus';
import { EventDispatcher } from './core/events/dispatcher';
import { EvictionFeed } from './core/events/eviction-feed';
import { Lifecycle, propagationPlugin } from './core/events/outbox';
import { createErrorFormatter, formatForSocket, requestIdPlugin } from './core/graphql/format-error';
import { DEFAULT_COMPILED_DOCUMENTS, JitExecutor } from './core/graphql/jit-executor';
import { newId } from './core/ids';
import { whenDone } from './core/maybe';
import { createLogger, type Logger } from './core/logger';
import { Metrics } from './core/metrics';
import { SecretBox } from './core/secrets';
import { TokenStore } from './core/tokens/token-store';
import { Context } from './context';
import type { CoreDeps } from './deps';
import { entities, migrations, routes } from './modules';
import { bodyErrorHandler, GRAPHQL_MAX_BODY_BYTES, refuseControlCharactersInUrl, refuseDeepJson, WS_MAX_PAYLOAD_BYTES } from './core/http';
import { clientAddressOf } from './core/client-address';
import { ExpirySweep, sharedSubscribe } from './notices';
import { buildTesseraSchema } from './schema';
import { createServices, type Services } from './services';
import { createVerifyHandler, Verifier, type Principal } from './verify';
import { LIMITS_REDIS_TIMEOUT_MS, RateLimitedError, RateLimits } from './core/rate-limit';
import { limitRules, validateWithLimits } from './core/graphql/limits';
import { GraphQLError } from 'graphql';
import Redis from 'ioredis';
import type { BootstrapResult } from './modules/users';
import type { DestinationStream } from 'pino';
import { mountConsole } from './console-static';
import { Retention } from './core/retention';
import { CloseCode } from '../shared/close-codes';
import { prepareSocketOperation } from './core/graphql/socket-operation';
import { CSRF_SAFE_HEADERS, NO_QUERY_HINT, subscriptionsOverWebSocketOnly } from './core/graphql/http-rules';

export { CloseCode } from '../shared/close-codes';

/** Longest a timer may be set for (setTimeout's limit); longer waits re-arm. */
const MAX_TIMER_MS = 2 ** 31 - 1;

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

function earliestOf(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a === null || a === undefined) return b ?? null;
  if (b === null || b === undefined) return a;
  return Math.min(a, b);
}

/** A caller's X-Request-Id that may be kept: 8 to 64 safe characters, not shaped like a server id. */
export function isAcceptableRequestId(value: string): boolean {
  if (!/^[A-Za-z0-9._:-]{8,64}$/.test(value)) return false;
  if (/^(?:[A-Za-z0-9]{6}|v|ws)-[0-9a-z]+$/.test(value) || /^[a-z]{2,8}_[0-9A-Za-z]{22}$/.test(value)) return false;
  return !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}

/** Paths served by mounted middleware rather than routes (Apollo, the console's files): labelled by prefix. */
const MOUNTED_PATHS = ['/graphql', '/console'];

/**
 * The metrics label of a request: the pattern of the route that answered it (with its router's
 * mount path; the first, for routes with several), the mount path of middleware that answered
 * it, or `other` (404s and the like), so that the label set stays small whatever URLs arrive.
 * Read when the response finishes, from `originalUrl`: by then Express has rewritten `req.path`
 * inside mounted middleware (POST /graphql used to read `other`).
 */
export function routeLabel(req: Request): string {
  const path: unknown = req.route?.path;
  if (path !== undefined) return `${req.baseUrl ?? ''}${Array.isArray(path) ? String(path[0]) : String(path)}`;
  const url = (req.originalUrl ?? req.url).split('?')[0];
  for (const mounted of MOUNTED_PATHS) if (url === mounted || url.startsWith(`${mounted}/`)) return mounted;
  return 'other';
}

/**
 * Starts one Tessera instance: storage (migrated), the bus, the verifier, the event relay, the
 * expiry sweep, and HTTP with GraphQL over HTTP and graphql-ws. Tests start several.
 */
export async function createServer(config: Config, options: ServerOptions = {}): Promise<TesseraServer> {
  const logger = options.logger ?? createLogger(config.logLevel, options.logDestination);
  const clock = options.clock ?? systemClock;
  const instanceId = newId('ins');
  const orm = await openDatabase({ database: config.database, entities, migrations, onQuery: options.onQuery });

  let bus: Bus;
  if (config.redisUrl) {
    const redisBus = new RedisBus(instanceId, config.redisUrl, logger, { boundMs: config.verifyCacheTtlMs });
    await redisBus.connect();
    bus = redisBus;
  } else {
    bus = new InProcessBus(instanceId);
  }

  const box = new SecretBox(config.secretKey);
  const metrics = new Metrics();
  const verifier = new Verifier(orm, box, bus, clock, logger, { disconnectedTtlMs: config.verifyCacheTtlMs, lastUsedFlushMs: config.lastUsedFlushMs, onVerdict: metrics.countVerification });
  const lifecycle = new Lifecycle(orm, bus, clock, config.expiryWarningDays[0] ?? 30);
  const dispatcher = new EventDispatcher(orm, bus, logger, config.eventPollMs);
  await dispatcher.start();
  // Evictions committed by instances that could not reach Redis still arrive, from storage.
  const evictionFeed = new EvictionFeed(orm, bus, clock, logger);
  await evictionFeed.run();
  evictionFeed.start(EvictionFeed.intervalFor(config.verifyCacheTtlMs));
  // Rate-limit counters live in Redis when there is one (shared by every instance), on a client of
  // their own whose commands give up quickly: RateLimits then counts locally instead of stalling.
  const limitsRedis = config.redisUrl
    ? new Redis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: LIMITS_REDIS_TIMEOUT_MS, connectTimeout: 2_000, retryStrategy: (attempt) => Math.min(50 * attempt, 1000) })
    : undefined;
  limitsRedis?.on('error', () => undefined);
  const limits = new RateLimits(config.rateLimits, limitsRedis);
  const deps: CoreDeps = { orm, config, clock, logger, box, lifecycle, tokens: new TokenStore(box, config.expiryWarningDays), verifier, dispatcher, limits };
  const services = createServices(deps);

  const bootstrap = await services.users.bootstrap(config.bootstrapAdminToken);
  const print = options.print ?? ((line: string) => process.stdout.write(line + '\n'));
  // Printed once, with a line to paste into a shell: README's commands use $ADMIN_TOKEN.
  if (bootstrap.generatedToken) {
    print(`admin token: ${bootstrap.generatedToken}`);
    print(`export ADMIN_TOKEN=${bootstrap.generatedToken}`);
  } else if (bootstrap.created) {
    print('admin token: the value of TESSERA_BOOTSTRAP_ADMIN_TOKEN');
    print('export ADMIN_TOKEN="$TESSERA_BOOTSTRAP_ADMIN_TOKEN"');
  }

  const schema = await buildTesseraSchema();
  const app = express();
  app.disable('x-powered-by');
  // One notion of the client's address for every limit and audit entry: Express's req.ip and,
  // for what Express does not see (the verify hot path, graphql-ws), the same computation.
  app.set('trust proxy', config.trustProxy);
  const clientAddress = clientAddressOf(config.trustProxy);
  const verifyHandler = createVerifyHandler(services, logger, metrics, clientAddress);
  // The verify hot path is answered before Express sees the request; everything else goes to Express.
  const httpServer: Server = createHttpServer((req, res) => {
    if (!verifyHandler(req, res)) app(req, res);
  });
  const formatError = createErrorFormatter(logger);

  // An API answers fresh data: no ETag hashing of every body.
  app.set('etag', false);

  // Request ids are cheap (a per-instance prefix and a counter) unless the caller sends one. A
  // caller's id lands in audit entries: only a bounded safe charset, and never one shaped like
  // the server's own (`xxxxxx-n`, `v-n`, `ws-n`), which would pass for an entry Tessera numbered.
  const idPrefix = instanceId.slice(-6);
  let requestCounter = 0;
  app.use((req: Request, res: Response, next: NextFunction) => {
    const header = req.headers['x-request-id'];
    const requestId = typeof header === 'string' && isAcceptableRequestId(header) ? header : `${idPrefix}-${(requestCounter++).toString(36)}`;
    res.setHeader('x-request-id', requestId);
    res.locals.requestId = requestId;
    const started = process.hrtime.bigint();
    res.once('finish', () => metrics.observeRequest(routeLabel(req), res.statusCode, started));
    next();
  });

  // Ids, paths and query strings with control characters are refused (400) before any route.
  app.use(refuseControlCharactersInUrl(logger));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  // Ready while the database answers. The bus is 'up' only while its liveness lease holds (a
  // heartbeat came back in time); 'degraded' still serves safely: cached answers older than
  // TESSERA_VERIFY_CACHE_TTL_MS are re-read from storage.
  app.get('/readyz', async (_req, res) => {
    try {
      await orm.em.fork().getConnection().execute('select 1');
      res.json({ status: 'ready', database: 'up', bus: bus.connected ? 'up' : 'degraded' });
    } catch {
      res.status(503).json({ status: 'unavailable', database: 'down' });
    }
  });
  app.get('/metrics', async (_req, res) => {
    metrics.subscriptions.set(dispatcher.listenerCount);
    res.setHeader('content-type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });

  // The web console at /console and GraphiQL for browsers at GET /graphql (before Apollo); a
  // browser at / is sent to the console, and a GET /graphql without a query (curl's first try)
  // is told how to ask instead of hearing about CSRF.
  app.get('/', (_req, res) => res.redirect(302, '/console/'));
  mountConsole(app);
  app.get('/graphql', (req, res, next) => {
    if (req.query.query !== undefined) return next();
    res.status(400).json({ errors: [{ message: NO_QUERY_HINT, extensions: { code: 'BAD_USER_INPUT', reason: 'NO_QUERY' } }] });
  });

  const restRouter = express.Router();
  for (const register of routes) register(restRouter, services, logger);
  app.use(restRouter);

  // graphql-ws on the same port and path.
  // Every message is bounded before anything parses it (connection_init comes before the token is
  // known): a larger frame closes the socket with 1009.
  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql', maxPayload: WS_MAX_PAYLOAD_BYTES });
  interface SocketAuth {
    value: string;
    principal: Principal;
    tokenId: string;
    /** Closes the socket when its token stops being valid by itself (expiry, end of grace). */
    expiryTimer?: NodeJS.Timeout;
  }
  /** Closes `socket` with 4401 once its value is no longer valid at `validUntil` (by the server's clock). */
  const closeAtExpiry = (socket: WebSocket, auth: SocketAuth, validUntil: number | null) => {
    if (validUntil === null) return;
    const wait = Math.min(Math.max(validUntil - clock.now().getTime(), 0), MAX_TIMER_MS);
    auth.expiryTimer = setTimeout(() => {
      auth.expiryTimer = undefined;
      if (socketAuth.get(socket) !== auth) return;
      void whenDone(verifier.authenticate(auth.value), ({ principal, result }) => {
        if (socketAuth.get(socket) !== auth) return;
        if (!principal) socket.close(CloseCode.Unauthorized, 'The token of this connection has expired');
        // Not yet (a wait capped at the timer's limit, or a clock that moved differently): re-arm.
        else closeAtExpiry(socket, auth, Math.max(earliestOf(result.token?.expiresAt, result.token?.validUntil) ?? validUntil, clock.now().getTime() + 1));
      });
    }, wait);
    auth.expiryTimer.unref();
  };
  const socketAuth = new Map<WebSocket, SocketAuth>();
  const connectionsPerToken = new Map<string, number>();
  /** Operations live on each socket: started and not yet complete (refused ones never count). */
  const liveOperations = new Map<WebSocket, number>();
  const rules = limitRules(config.queryLimits);
  const validate = validateWithLimits(rules, { introspection: config.introspection });
  const wsCleanup = useServer<Record<string, unknown>, { tessera?: SocketAuth }>(
    {
      schema,
      validate,
      subscribe: sharedSubscribe({
        audienceKey: (contextValue) => {
          const viewer = (contextValue as Context | undefined)?.viewer;
          return viewer ? `${viewer.tenantId}:${viewer.role}` : null;
        },
      }),
      connectionInitWaitTimeout: config.wsInitTimeoutMs,
      context: (ctx) => {
        const auth = ctx.extra.tessera;
        return new Context(services, randomUUID(), auth?.principal ?? null, auth?.tokenId ?? null);
      },
      onConnect: async (ctx) => {
        const value = bearerValue(ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization);
        let authentication;
        try {
          authentication = await services.auth.authenticate(value, clientAddress(ctx.extra.request));
        } catch (error) {
          if (!(error instanceof RateLimitedError)) throw error;
          ctx.extra.socket.close(CloseCode.TooManyAuthenticationFailures, error.message);
          return false;
        }
        const { principal, tokenId, validUntil } = authentication;
        if (!principal || !value || !tokenId) {
          ctx.extra.socket.close(CloseCode.Unauthorized, 'Unauthorized: send { authorization: "Bearer <token>" } in connection_init');
          return false;
        }
        const open = connectionsPerToken.get(tokenId) ?? 0;
        if (open >= config.maxConnectionsPerToken) {
          ctx.extra.socket.close(CloseCode.TooManyConnections, `This token already holds ${open} connections here`);
          return false;
        }
        connectionsPerToken.set(tokenId, open + 1);
        const auth: SocketAuth = { value, principal, tokenId };
        ctx.extra.tessera = auth;
        socketAuth.set(ctx.extra.socket, auth);
        closeAtExpiry(ctx.extra.socket, auth, validUntil);
        metrics.websocketConnections.inc();
        return true;
      },
      // Parsed, validated and its variables coerced here, so that a mistake is answered to that
      // operation alone (never closing the socket) with the code HTTP gives it. An operation
      // counts against the cap from here until graphql-ws completes it (onComplete runs for every
      // operation this returns arguments for); refused ones never count.
      onSubscribe: (ctx, _id, payload) => {
        const prepared = prepareSocketOperation(schema, validate, payload);
        if (Array.isArray(prepared)) return prepared;
        const live = liveOperations.get(ctx.extra.socket) ?? 0;
        if (live >= config.maxSubscriptionsPerConnection) {
          return [new GraphQLError(`A connection may hold at most ${config.maxSubscriptionsPerConnection} live operations: complete one first.`, { extensions: { code: 'RATE_LIMITED' } })];
        }
        liveOperations.set(ctx.extra.socket, live + 1);
        return prepared;
      },
      onError: (_ctx, id, _payload, errors) => formatForSocket(logger, formatError, `ws-${id}`, errors, true),
      onNext: (_ctx, id, _payload, _args, result) => (result.errors?.length ? { ...result, errors: formatForSocket(logger, formatError, `ws-${id}`, result.errors as never) } : result),
      onComplete: (ctx) => {
        const live = liveOperations.get(ctx.extra.socket) ?? 1;
        liveOperations.set(ctx.extra.socket, Math.max(live - 1, 0));
      },
      onClose: (ctx) => {
        liveOperations.delete(ctx.extra.socket);
        const auth = socketAuth.get(ctx.extra.socket);
        if (!auth) return;
        if (auth.expiryTimer) clearTimeout(auth.expiryTimer);
        socketAuth.delete(ctx.extra.socket);
        metrics.websocketConnections.dec();
        const left = (connectionsPerToken.get(auth.tokenId) ?? 1) - 1;
        if (left <= 0) connectionsPerToken.delete(auth.tokenId);
        else connectionsPerToken.set(auth.tokenId, left);
      },
    },
    wsServer,
  );

  // graphql-ws prints every socket error (an oversized frame, a protocol violation: ws has closed
  // the socket already, 1009/1002) to stderr with a stack: a client could flood the output.
  // They are the client's errors: one structured debug line instead.
  wsServer.on('connection', (socket) => {
    socket.removeAllListeners('error');
    socket.on('error', (error: Error & { code?: string }) => logger.debug({ component: 'graphql-ws', code: error.code, err: error.message }, 'socket error'));
  });

  // A socket whose token stops being valid is closed at once, on every instance.
  bus.onMessage((message) => {
    const ids = new Set(message.evictTokenIds ?? []);
    if (ids.size === 0) return;
    for (const [socket, auth] of socketAuth) {
      if (!ids.has(auth.tokenId) && !ids.has(auth.principal.id)) continue;
      void whenDone(verifier.authenticate(auth.value), ({ principal }) => {
        if (!principal) socket.close(CloseCode.Unauthorized, 'The token of this connection is no longer valid');
      });
    }
  });

  const apollo = new ApolloServer<Context>({
    ...(config.graphqlCompileAfter > 0 ? { gateway: new JitExecutor(schema, DEFAULT_COMPILED_DOCUMENTS, config.graphqlCompileAfter).gateway() } : { schema }),
    formatError,
    validationRules: rules,
    allowBatchedHttpRequests: false,
    introspection: config.introspection,
    // Without introspection, validation errors do not suggest field names either ("Did you mean").
    hideSchemaDetailsFromClientErrors: !config.introspection,
    csrfPrevention: { requestHeaders: CSRF_SAFE_HEADERS },
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginCacheControlDisabled(),
      requestIdPlugin(logger),
      propagationPlugin(lifecycle, config.verifyCacheTtlMs),
      subscriptionsOverWebSocketOnly(),
      {
        async serverWillStart() {
          return {
            async drainServer() {
              await wsCleanup.dispose();
            },
          };
        },
      },
    ],
  });
  await apollo.start();
  app.use(
    '/graphql',
    express.json({ limit: GRAPHQL_MAX_BODY_BYTES, verify: refuseDeepJson() }),
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        try {
          const { principal, tokenId } = await services.auth.authenticate(bearerValue(req.headers.authorization), clientAddress(req));
          return new Context(services, String(req.res?.locals.requestId ?? randomUUID()), principal, tokenId);
        } catch (error) {
          if (!(error instanceof RateLimitedError)) throw error;
          throw new GraphQLError(error.message, {
            extensions: { code: 'RATE_LIMITED', retryAfter: error.retryAfterSeconds, http: { status: 429, headers: new Map([['retry-after', String(error.retryAfterSeconds)]]) } },
          });
        }
      },
    }),
  );

  // After every body parser: malformed or oversized bodies get a JSON error, not a stack.
  app.use(bodyErrorHandler(logger));

  const sweep = new ExpirySweep(deps);
  if (options.sweep !== false) sweep.start(config.sweepIntervalMs);
  const retention = new Retention(deps);
  if (options.sweep !== false) retention.start(config.retentionIntervalMs);
  if (options.sweep !== false) services.oauth.start();

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
    sweep,
    retention,
    dispatcher,
    bootstrap,
    close() {
      closing ??= (async () => {
        // Background jobs finish their batch before the database goes away.
        await Promise.all([sweep.stop(), retention.stop(), services.oauth.stop(), evictionFeed.stop()]);
        await dispatcher.close();
        await apollo.stop();
        wsServer.close();
        await verifier.close();
        await bus.close();
        limitsRedis?.disconnect();
        await orm.close();
      })();
      return closing;
    },
  };
}
