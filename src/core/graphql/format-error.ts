import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';
import { AppError, ErrorCode, isStorageUnavailable, storageUnavailable } from '../errors';
import type { Logger } from '../logger';
import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLError } from 'graphql';
import { INTROSPECTION_OFF, isIntrospectionRefusal } from './http-rules';

/** Codes Apollo and graphql-js assign to requests that are wrong before any resolver runs. */
const REQUEST_ERROR_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

/**
 * The one place errors become GraphQL errors: an {@link AppError} keeps its message and gets
 * `extensions.code` (and `field`);
 * validation happens in `validate.ts` and arrives here as AppError;
 * anything else is logged with the request id and answered as INTERNAL_SERVER_ERROR with only
 * that id, so no internal detail (or secret) reaches the caller.
 */
export function createErrorFormatter(options: { introspection?: boolean } = {}) {
  // Without introspection, no message may suggest names ("Did you mean …?"): not for fields
  // (graphql-js's validation), nor for enum values in variables (Apollo leaves those).
  const hideSuggestions = options.introspection === false;
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const unwrapped = unwrapResolverError(error);
    const original = isStorageUnavailable(unwrapped) ? storageUnavailable() : unwrapped;
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
      return {
        ...base,
        message: formatted.message.replace(/^Context creation failed: /, ''),
        extensions: { code, ...(formatted.extensions?.retryAfter ? { retryAfter: formatted.extensions.retryAfter } : {}) },
      };
    }
    if (typeof code === 'string' && REQUEST_ERROR_CODES.has(code)) {
      let message = isIntrospectionRefusal(formatted.message) ? INTROSPECTION_OFF : formatted.message;
      if (hideSuggestions) message = withoutSuggestions(message);
      // A request error Tessera raised with a reason of its own keeps it (e.g. SUBSCRIPTION_OVER_HTTP).
      const reason = typeof formatted.extensions?.reason === 'string' ? formatted.extensions.reason : code;
      return { ...base, message, extensions: { code: ErrorCode.BAD_USER_INPUT, reason } };
    }
    // Logged with the request id by {@link requestIdPlugin}; the caller learns only that id.
    return { ...base, message: 'Internal server error.', extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
  };
}

/** A message without graphql-js's "Did you mean …?" suggestions (which name the schema's fields and values). */
function withoutSuggestions(message: string): string {
  return message.replace(/ ?Did you mean [^?]*\?/g, '').trim();
}

/** Whether the formatter masks this error or answers it for unreachable storage (so it must be logged). */
function isUnexpected(error: GraphQLError): boolean {
  const original = unwrapResolverError(error);
  if (isStorageUnavailable(original)) return true;
  if (original instanceof AppError) return false;
  const code = error.extensions?.code;
  return !(typeof code === 'string' && (REQUEST_ERROR_CODES.has(code) || code === ErrorCode.RATE_LIMITED || code === ErrorCode.UNAUTHENTICATED));
}

function logUnexpected(logger: Logger, requestId: string, error: GraphQLError): void {
  const original = unwrapResolverError(error);
  logger.error(
    {
      requestId,
      path: error.path,
      err: original instanceof Error ? { name: original.name, message: original.message, stack: original.stack } : String(original),
    },
    'unexpected error',
  );
}

/** Codes whose cause is only in the log: their answers carry the request id to quote. */
const TRACED_CODES = new Set<unknown>([ErrorCode.INTERNAL_SERVER_ERROR, ErrorCode.SERVICE_UNAVAILABLE]);

/** What an answered error gains when its cause is only in the log: the request id (and, when masked, a message naming it). */
function withRequestId(error: GraphQLFormattedError, requestId: string): Partial<GraphQLFormattedError> {
  const code = error.extensions?.code;
  if (!TRACED_CODES.has(code)) return {};
  return {
    ...(code === ErrorCode.INTERNAL_SERVER_ERROR ? { message: `Internal server error (request ${requestId}).` } : {}),
    extensions: { ...error.extensions, requestId },
  };
}

/**
 * Logs every masked error with its request id, and puts that id in the masked answer, so an
 * operator can find the log line a caller quotes.
 */
export function requestIdPlugin(logger: Logger): ApolloServerPlugin<{ requestId?: string }> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue }) {
          for (const error of errors) if (isUnexpected(error)) logUnexpected(logger, contextValue?.requestId ?? 'unknown', error);
        },
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind !== 'single') return;
          for (const error of response.body.singleResult.errors ?? []) Object.assign(error, withRequestId(error, contextValue?.requestId ?? 'unknown'));
        },
      };
    },
  };
}

/**
 * The same masking for graphql-ws, which has no formatter of its own. Request mistakes arrive
 * with their codes (host/graphql-ws.ts prepares every operation as Apollo does); anything else —
 * an error while a subscription runs — is unexpected: masked, and logged with the request id.
 */
export function formatForSocket(
  logger: Logger,
  formatter: ReturnType<typeof createErrorFormatter>,
  requestId: string,
  errors: readonly GraphQLError[],
): GraphQLFormattedError[] {
  return errors.map((error) => {
    const json = error.toJSON();
    const formatted = formatter(json, error);
    if (!TRACED_CODES.has(formatted.extensions?.code)) return formatted;
    logUnexpected(logger, requestId, error);
    return { ...formatted, ...withRequestId(formatted, requestId) };
  });
}
