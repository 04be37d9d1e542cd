import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';
import { AppError, ErrorCode } from '../errors';
import type { Logger } from '../logger';
import { currentRequestId } from '../request-context';

/** Codes Apollo and graphql-js assign to requests that are wrong before any resolver runs. */
const REQUEST_ERROR_CODES = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT', 'BAD_REQUEST', 'OPERATION_RESOLUTION_FAILURE', 'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED']);

/**
 * The one place errors become GraphQL errors: an {@link AppError} keeps its message and gets
 * `extensions.code` (and `field`);
 * validation happens in `validate.ts` and arrives here as AppError;
 * anything else is logged with the request id and answered as INTERNAL_SERVER_ERROR with only
 * that id, so no internal detail (or secret) reaches the caller.
 */
export function createErrorFormatter(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const base = { locations: formatted.locations, path: formatted.path };
    if (original instanceof AppError) {
      return {
        ...base,
        message: original.message,
        extensions: { code: original.code, ...(original.field ? { field: original.field } : {}), ...(original.reason ? { reason: original.reason } : {}) },
      };
    }
    const code = formatted.extensions?.code;
    // Errors Tessera raised as GraphQLErrors itself (context creation: rate limits) keep their code.
    if (code === ErrorCode.RATE_LIMITED || code === ErrorCode.UNAUTHENTICATED) {
      return { ...base, message: formatted.message.replace(/^Context creation failed: /, ''), extensions: { code, ...(formatted.extensions?.retryAfter ? { retryAfter: formatted.extensions.retryAfter } : {}) } };
    }
    if (typeof code === 'string' && REQUEST_ERROR_CODES.has(code)) {
      return { ...base, message: formatted.message, extensions: { code: ErrorCode.BAD_USER_INPUT, reason: code } };
    }
    const requestId = currentRequestId();
    logger.error({ requestId, err: original instanceof Error ? { name: original.name, message: original.message, stack: original.stack } : String(original) }, 'unexpected error');
    return { ...base, message: `Internal server error (request ${requestId ?? 'unknown'}).`, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, requestId } };
  };
}
