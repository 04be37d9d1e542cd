import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import { AppError, ErrorCode, httpStatusOf, isStorageUnavailable, storageUnavailable } from './errors';
import type { Logger } from './logger';
import { RateLimitedError } from './rate-limit';

/**
 * Largest graphql-ws message (WebSocketServer `maxPayload`): a document with its variables is a
 * few KiB; the bound holds before `connection_init` is parsed, so before any authentication.
 */
export const WS_MAX_PAYLOAD_BYTES = 64 * 1024;

/**
 * Largest body of `POST /graphql` (parsed before authentication). Sized for the largest operation,
 * `importOAuthBundle` (a bundle of up to 1,000,000 characters, refused by the service past that);
 * every other operation fits in a few KiB. graphql-ws messages stay at {@link WS_MAX_PAYLOAD_BYTES}.
 */
export const GRAPHQL_MAX_BODY_BYTES = 1536 * 1024;

/** The JSON body of every REST error: a code from the closed set and a message safe to show. */
export interface RestErrorBody {
  error: { code: ErrorCode; message: string; field?: string; reason?: string; requestId?: string };
}

/** Answers an error: an {@link AppError} with its status and code, anything else as a logged 500. */
export function sendError(res: ServerResponse, error: unknown, logger: Logger, requestId?: string): void {
  if (res.headersSent) return;
  const id = requestId ?? ((res as Response).locals?.requestId as string | undefined);
  if ((error as { type?: string })?.type === 'entity.too.large') {
    writeJson(res, 413, {
      error: { code: ErrorCode.BAD_USER_INPUT, message: 'The request body is too large.', reason: 'PAYLOAD_TOO_LARGE' },
    } satisfies RestErrorBody);
    return;
  }
  // Unreachable storage is an AppError too (SERVICE_UNAVAILABLE), with its cause in the log and a request id to quote.
  const unavailable = isStorageUnavailable(error);
  if (unavailable)
    logger.error({ requestId: id, err: error instanceof Error ? { name: error.name, message: error.message } : String(error) }, 'storage unavailable');
  const failure = unavailable ? storageUnavailable() : error;
  if (failure instanceof AppError) {
    const body: RestErrorBody = {
      error: {
        code: failure.code,
        message: failure.message,
        ...(failure.field ? { field: failure.field } : {}),
        ...(failure.reason ? { reason: failure.reason } : {}),
        ...(unavailable ? { requestId: id } : {}),
      },
    };
    const retryAfter = failure instanceof RateLimitedError ? failure.retryAfterSeconds : unavailable ? 1 : null;
    writeJson(res, httpStatusOf[failure.code], body, retryAfter === null ? {} : { 'retry-after': String(retryAfter) });
    return;
  }
  logger.error(
    { requestId: id, err: error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : String(error) },
    'unexpected error',
  );
  writeJson(res, 500, {
    error: { code: ErrorCode.INTERNAL_SERVER_ERROR, message: `Internal server error (request ${id ?? 'unknown'}).`, requestId: id },
  } satisfies RestErrorBody);
}

/** Wraps an async route so a thrown error is answered by {@link sendError}, never left hanging. */
export function route(logger: Logger, handler: (req: Request, res: Response) => Promise<void>): RequestHandler {
  return (req: Request, res: Response, _next: NextFunction) => {
    handler(req, res).catch((error: unknown) => sendError(res, error, logger));
  };
}

/** Answers body-parser failures (malformed JSON, too large) with a clear 400/413, not a stack. */
export function bodyErrorHandler(logger: Logger) {
  return (error: unknown, _req: Request, res: Response, next: NextFunction): void => {
    const failure = error as { type?: string; status?: number };
    if (failure?.type === 'entity.parse.failed') return sendError(res, AppError.badInput('body', 'The request body is not valid JSON.'), logger);
    if (failure?.type === 'entity.too.large') {
      res
        .status(413)
        .json({ error: { code: ErrorCode.BAD_USER_INPUT, message: 'The request body is too large.', reason: 'PAYLOAD_TOO_LARGE' } } satisfies RestErrorBody);
      return;
    }
    if (failure?.type === 'entity.too.deep') return sendError(res, AppError.badInput('body', (error as Error).message), logger);
    if (failure?.type === 'encoding.unsupported' || failure?.type === 'charset.unsupported')
      return sendError(res, AppError.badInput('body', 'Unsupported body encoding.'), logger);
    next(error);
  };
}

// eslint-disable-next-line no-control-regex
const URL_CONTROL = /[\u0000-\u001f\u007f]|%(?:[01][0-9a-f]|7f)/i;

/**
 * Refuses a request whose path or query string carries a control character (U+0000–U+001F,
 * U+007F), raw or percent-encoded, with 400 BAD_USER_INPUT: no route, id lookup or storage
 * statement sees one. (`%2500` is a literal `%00` text, not a control character, and passes.)
 * Not for `/graphql`, whose GET documents may span lines: GraphQL arguments are checked where
 * they are validated (core/graphql/validate.ts).
 */
export function refuseControlCharactersInUrl(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!req.path.startsWith('/graphql') && URL_CONTROL.test(req.url))
      return sendError(res, AppError.badInput('url', 'The path and query string must not contain control characters.'), logger);
    next();
  };
}

/** Deepest nesting of arrays and objects a JSON body may have (what Tessera's APIs take is a few levels). */
export const MAX_JSON_DEPTH = 64;

/**
 * A body-parser `verify` hook refusing JSON nested deeper than `maxDepth` before it is parsed:
 * one pass over the bytes (strings skipped), so code that walks the value recursively (variable
 * coercion, JSON columns, JSON.stringify) never meets a structure deep enough to exhaust the
 * stack. The error is answered 400 BAD_USER_INPUT by {@link bodyErrorHandler}.
 */
export function refuseDeepJson(maxDepth = MAX_JSON_DEPTH) {
  return (_req: IncomingMessage, _res: ServerResponse, buffer: Buffer): void => {
    let depth = 0;
    let inString = false;
    for (let i = 0; i < buffer.length; i += 1) {
      const byte = buffer[i];
      if (inString) {
        if (byte === 0x5c)
          i += 1; // backslash: skip the escaped byte
        else if (byte === 0x22) inString = false;
      } else if (byte === 0x22) inString = true;
      else if (byte === 0x5b || byte === 0x7b) {
        depth += 1;
        if (depth > maxDepth)
          throw Object.assign(new Error(`The JSON body is nested deeper than ${maxDepth} levels.`), { status: 400, type: 'entity.too.deep' });
      } else if (byte === 0x5d || byte === 0x7d) depth -= 1;
    }
  };
}

/** What a module's REST routes are registered with. */
export type RouteRegistrar<S> = (router: Router, services: S, logger: Logger) => void;

/**
 * Reads a small JSON body without body-parser's generality (the verify hot path): at most
 * `limit` bytes, `application/json` only; calls `done` once, with BAD_USER_INPUT for malformed
 * JSON or another content type, or a 413 marker past the limit. A callback, not a promise: the
 * hot path stays free of promises (see core/maybe.ts).
 */
export function readSmallJson(req: IncomingMessage, limit: number, done: (error: unknown, body?: unknown) => void): void {
  const type = req.headers['content-type'];
  if (typeof type !== 'string' || !type.toLowerCase().startsWith('application/json')) {
    done(AppError.badInput('body', 'Send the body as application/json.'));
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let finished = false;
  const finish = (error: unknown, body?: unknown) => {
    if (finished) return;
    finished = true;
    done(error, body);
  };
  req.on('data', (chunk: Buffer) => {
    if (finished) return;
    size += chunk.length;
    if (size > limit) finish(Object.assign(new Error('request entity too large'), { type: 'entity.too.large' }));
    else chunks.push(chunk);
  });
  req.on('end', () => {
    if (finished) return;
    let body: unknown;
    try {
      body = size === 0 ? {} : JSON.parse(Buffer.concat(chunks, size).toString('utf8'));
    } catch {
      finish(AppError.badInput('body', 'The request body is not valid JSON.'));
      return;
    }
    finish(null, body);
  });
  req.on('error', (error) => finish(error));
}

/** Answers JSON without Express's send machinery (hot paths). */
export function writeJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  writeJsonText(res, status, JSON.stringify(body), headers);
}

/** {@link writeJson} for a body serialized already (one serialization reused for many answers). */
export function writeJsonText(res: ServerResponse, status: number, payload: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(payload), ...headers });
  res.end(payload);
}
