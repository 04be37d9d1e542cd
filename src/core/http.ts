import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import { AppError, ErrorCode, httpStatusOf } from './errors';
import type { Logger } from './logger';
import { currentRequestId } from './request-context';
import { RateLimitedError } from './rate-limit';

/** The JSON body of every REST error: a code from the closed set and a message safe to show. */
export interface RestErrorBody {
  error: { code: ErrorCode; message: string; field?: string; reason?: string; requestId?: string };
}

/** Answers an error: an {@link AppError} with its status and code, anything else as a logged 500. */
export function sendError(res: Response, error: unknown, logger: Logger): void {
  if (res.headersSent) return;
  if (error instanceof RateLimitedError) res.setHeader('retry-after', String(error.retryAfterSeconds));
  if (error instanceof AppError) {
    const body: RestErrorBody = { error: { code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}), ...(error.reason ? { reason: error.reason } : {}) } };
    res.status(httpStatusOf[error.code]).json(body);
    return;
  }
  const requestId = currentRequestId();
  logger.error({ requestId, err: error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : String(error) }, 'unexpected error');
  res.status(500).json({ error: { code: ErrorCode.INTERNAL_SERVER_ERROR, message: `Internal server error (request ${requestId ?? 'unknown'}).`, requestId } } satisfies RestErrorBody);
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
      res.status(413).json({ error: { code: ErrorCode.BAD_USER_INPUT, message: 'The request body is too large.', reason: 'PAYLOAD_TOO_LARGE' } } satisfies RestErrorBody);
      return;
    }
    if (failure?.type === 'encoding.unsupported' || failure?.type === 'charset.unsupported') return sendError(res, AppError.badInput('body', 'Unsupported body encoding.'), logger);
    next(error);
  };
}

/** What a module's REST routes are registered with. */
export type RouteRegistrar<S> = (router: Router, services: S, logger: Logger) => void;
