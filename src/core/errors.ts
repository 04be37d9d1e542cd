import { ConnectionException, DriverException } from '@mikro-orm/core';
/**
 * The one error type services throw. Its code is closed: the GraphQL layer maps it to
 * `extensions.code` in one place (`graphql/format-error.ts`) and the REST routes map it to
 * an HTTP status. Build instances through the named factories in each module's
 * `*.errors.ts`, so every message is written once.
 */
export enum ErrorCode {
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  NOT_FOUND = 'NOT_FOUND',
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  CONFLICT = 'CONFLICT',
  RATE_LIMITED = 'RATE_LIMITED',
  /** Storage could not be reached: nothing was changed; retry shortly. */
  SERVICE_UNAVAILABLE = 'SERVICE_UNAVAILABLE',
  INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR',
}

/** HTTP status for each code, for the REST routes. */
export const httpStatusOf: Record<ErrorCode, number> = {
  [ErrorCode.UNAUTHENTICATED]: 401,
  [ErrorCode.FORBIDDEN]: 403,
  [ErrorCode.NOT_FOUND]: 404,
  [ErrorCode.BAD_USER_INPUT]: 400,
  [ErrorCode.CONFLICT]: 409,
  [ErrorCode.RATE_LIMITED]: 429,
  [ErrorCode.SERVICE_UNAVAILABLE]: 503,
  [ErrorCode.INTERNAL_SERVER_ERROR]: 500,
};

export interface AppErrorOptions {
  /** The input field at fault, for BAD_USER_INPUT (dotted path, e.g. `input.name`). */
  field?: string;
  /** A machine-readable reason under the code (e.g. `ALREADY_REVOKED`). */
  reason?: string;
}

/** A failure meant for the caller: its message is safe to show and never holds a secret. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly field?: string;
  readonly reason?: string;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.field = options.field;
    this.reason = options.reason;
  }

  static unauthenticated(message = 'A valid token is required: send `Authorization: Bearer <token>`.'): AppError {
    return new AppError(ErrorCode.UNAUTHENTICATED, message);
  }

  static forbidden(message = 'Your role does not allow this operation.'): AppError {
    return new AppError(ErrorCode.FORBIDDEN, message);
  }

  /** What was looked for is absent, or belongs to someone the caller may not see: both read the same. */
  static notFound(what: string, id: string): AppError {
    return new AppError(ErrorCode.NOT_FOUND, `${what} ${JSON.stringify(id)} was not found.`);
  }

  static badInput(field: string, message: string): AppError {
    return new AppError(ErrorCode.BAD_USER_INPUT, message, { field });
  }

  static conflict(message: string, reason?: string): AppError {
    return new AppError(ErrorCode.CONFLICT, message, { reason });
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/** Node and PostgreSQL codes that mean the database could not be reached or dropped the connection. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  'SQLITE_BUSY',
]);
/**
 * Messages that say the same. "Transaction query already complete" is knex's answer to a query on
 * a transaction whose BEGIN already failed: knex swallows the BEGIN failure (a connection dropped
 * as the transaction started) and hands the transaction out completed, so the first query inside
 * it is where the outage shows (Tessera never queries a transaction after its commit).
 */
const UNREACHABLE_MESSAGES =
  /Connection terminated|Connection ended unexpectedly|terminating connection|Timeout acquiring a connection|database system is (starting up|shutting down)|the database system is in recovery mode|connect ECONNREFUSED|Client has encountered a connection error|Transaction query already complete/i;

/** Whether a database error says the database could not be reached or dropped the connection. */
function unreachable(failure: { code?: unknown; message?: unknown }): boolean {
  return (
    (typeof failure.code === 'string' && UNREACHABLE_CODES.has(failure.code)) ||
    (typeof failure.message === 'string' && UNREACHABLE_MESSAGES.test(failure.message))
  );
}

/**
 * Whether an error (or what it wraps) says storage is unreachable — the database stopped,
 * restarted or refused connections — rather than that something is wrong with Tessera: such
 * failures are answered SERVICE_UNAVAILABLE (retry), not INTERNAL_SERVER_ERROR. Only database
 * errors count (MikroORM's driver exceptions, knex's pool timeout, pg's server errors and its
 * socket failures thrown as they are), so a third party refusing a connection (an OAuth
 * provider's fetch failing, the socket error only its cause) never reads as Tessera's storage
 * being down.
 */
export function isStorageUnavailable(error: unknown): boolean {
  let viaCause = false;
  for (let current = error, depth = 0; current && typeof current === 'object' && depth < 5; depth += 1) {
    const failure = current as {
      name?: unknown;
      code?: unknown;
      syscall?: unknown;
      severity?: unknown;
      message?: unknown;
      cause?: unknown;
      originalError?: unknown;
      thrownValue?: unknown;
    };
    if (current instanceof ConnectionException || failure.name === 'KnexTimeoutError') return true;
    if (current instanceof DriverException) return unreachable(failure);
    // pg's own errors when MikroORM did not wrap them: a server error (it carries a severity) ...
    if (typeof failure.severity === 'string' && unreachable(failure)) return true;
    // ... or a socket failure thrown as it is: the failed connect, or the dropped connection knex hands
    // back from COMMIT or ROLLBACK unwrapped (ECONNRESET on read, "Connection terminated"). A third
    // party refusing a connection never arrives like this: fetch throws its own error, with the
    // socket failure as its cause.
    if (!viaCause && unreachable(failure)) return true;
    // GraphQL wraps what resolvers throw (originalError; thrownValue for values it does not take for errors).
    const wrapped = failure.originalError ?? failure.thrownValue;
    viaCause ||= wrapped === undefined;
    current = wrapped ?? failure.cause;
  }
  return false;
}

/** The answer to a failure caused by unreachable storage (the cause itself goes to the log). */
export function storageUnavailable(): AppError {
  return new AppError(ErrorCode.SERVICE_UNAVAILABLE, 'Storage is unavailable right now; retry shortly.', { reason: 'STORAGE_UNAVAILABLE' });
}
