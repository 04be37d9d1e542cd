import type { MikroORM } from '@mikro-orm/core';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { mountConsole } from '../console-static';
import type { Config } from '../core/config';
import type { Bus } from '../core/events/bus';
import type { EventDispatcher } from '../core/events/dispatcher';
import { NO_QUERY_HINT } from '../core/graphql/http-rules';
import { refuseControlCharactersInUrl } from '../core/http';
import type { Logger } from '../core/logger';
import type { Metrics } from '../core/metrics';
import type { RouteRegistrar } from '../core/http';
import type { Services } from '../services';

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

export interface HttpAppParts {
  config: Config;
  services: Services;
  logger: Logger;
  metrics: Metrics;
  orm: MikroORM;
  bus: Bus;
  dispatcher: EventDispatcher;
  instanceId: string;
  /** Every module's REST routes. */
  routes: readonly RouteRegistrar<never>[];
}

/**
 * The Express app before GraphQL: request ids and metrics on every request, refusal of control
 * characters in URLs, health, readiness and metrics, the console and GraphiQL, and every
 * module's REST routes. GraphQL over HTTP is mounted on it afterwards (see `apollo.ts`).
 */
export function createHttpApp({ config, services, logger, metrics, orm, bus, dispatcher, instanceId, routes }: HttpAppParts): Express {
  const app = express();
  app.disable('x-powered-by');
  // One notion of the client's address for every limit and audit entry: Express's req.ip and,
  // for what Express does not see (the verify hot path, graphql-ws), the same computation.
  app.set('trust proxy', config.trustProxy);
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
    const started = performance.now();
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
  // Each registrar is typed by the services it uses; here is the whole set.
  for (const register of routes) register(restRouter, services as never, logger);
  app.use(restRouter);
  return app;
}
