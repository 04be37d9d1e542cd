import type { IncomingMessage, ServerResponse } from 'node:http';
import { bearerValue } from '../core/auth/auth-checker';
import { requireScope } from '../core/auth/scopes';
import { AppError } from '../core/errors';
import { readSmallJson, sendError, writeJsonText } from '../core/http';
import { settle, whenDone, type Maybe } from '../core/maybe';
import type { Logger } from '../core/logger';
import type { Metrics } from '../core/metrics';
import type { RateLimits } from '../core/rate-limit';
import type { Authenticator } from './authenticator';
import { VERIFIER_ROLES } from './verify.resolver';
import { HTTP_METHODS, type VerifyService } from './verify.service';
import { VerifyResultType } from './verify.type';
import type { Principal, TokenSnapshot, VerifyResult } from './verify.types';

const NO_STORE = { 'cache-control': 'no-store' };

/**
 * A valid answer depends on the snapshot alone, and a cached snapshot is immutable (a change
 * replaces it): its answer is serialized once, not on every request for it.
 */
const validAnswers = new WeakMap<TokenSnapshot, string>();

function answerOf(result: VerifyResult): string {
  if (!result.valid || !result.token) return JSON.stringify(VerifyResultType.from(result));
  let answer = validAnswers.get(result.token);
  if (answer === undefined) validAnswers.set(result.token, (answer = JSON.stringify(VerifyResultType.from(result))));
  return answer;
}

/** The body's fields, checked: BAD_USER_INPUT names the first that is wrong. */
function verifyRequestOf(parsed: unknown): { token: string; endpointId?: string; method?: string } {
  const body = (parsed && typeof parsed === 'object' ? parsed : {}) as { token?: unknown; endpointId?: unknown; method?: unknown };
  const { token, endpointId, method } = body;
  if (typeof token !== 'string' || token.length === 0 || token.length > 512) throw AppError.badInput('token', 'token must be a string of 1 to 512 characters.');
  if (endpointId !== undefined && endpointId !== null && (typeof endpointId !== 'string' || endpointId.length > 64))
    throw AppError.badInput('endpointId', 'endpointId must be an endpoint id.');
  if (method !== undefined && method !== null && (typeof method !== 'string' || !HTTP_METHODS.includes(method)))
    throw AppError.badInput('method', `method must be one of ${HTTP_METHODS.join(', ')}.`);
  return { token, endpointId: endpointId ?? undefined, method: method ?? undefined };
}

/**
 * `POST /v1/verify` for gateways: `{ token, endpointId?, method? }` →
 * `{ valid, kind, tokenId, ownerId, tenantId, expiresAt, reason }`. The caller authenticates with
 * `Authorization: Bearer` (an app access token or a PAT whose role may verify).
 *
 * This is the hot path, so it is served straight from Node's HTTP handler, ahead of Express:
 * the same verifier, rate limits and error bodies, without a router, middleware stack or
 * body-parser in the way (see bench/verify-throughput).
 */
/** What the verify route uses of the server's services. */
interface VerifyRouteServices {
  auth: Authenticator;
  limits: RateLimits;
  verify: VerifyService;
}

export function createVerifyHandler(services: VerifyRouteServices, logger: Logger, metrics: Metrics, clientAddress: (req: IncomingMessage) => string) {
  let counter = 0;
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.method !== 'POST' || (req.url !== '/v1/verify' && !req.url?.startsWith('/v1/verify?'))) return false;
    const started = performance.now();
    // Recorded where the answer is written (no 'finish' listener per request: the hot path).
    const observe = () => metrics.observeRequest('/v1/verify', res.statusCode, started);
    const fail = (error: unknown) => {
      // A request id only where one is quoted: in an error's answer and its log line.
      sendError(res, error, logger, `v-${(counter++).toString(36)}`);
      observe();
    };
    const ip = clientAddress(req);
    // Who is asking, decided while the body arrives (synchronously when everything is cached and
    // in memory: no promise on the way, see core/maybe.ts). Its failures come first, as before.
    let caller: Maybe<Principal>;
    try {
      // The per-address limit and the failed-authentication block are checked together (one
      // Redis round trip); the per-caller limit needs the caller, so it follows.
      caller = whenDone(
        services.auth.authenticate(bearerValue(req.headers.authorization), ip, services.limits.consume('verifyPerIp', ip), req.socket),
        ({ principal, tokenId }) => {
          if (!principal || !tokenId) throw AppError.unauthenticated();
          return whenDone(services.limits.consume('verifyPerToken', tokenId), () => {
            if (!VERIFIER_ROLES.includes(principal.role)) throw AppError.forbidden('This token may not verify tokens.');
            requireScope(principal, 'verify');
            return principal;
          });
        },
      );
    } catch (error) {
      caller = Promise.reject(error);
    }
    // Answered from the body's callback; until then a rejection is held, not unhandled.
    if (caller instanceof Promise) caller.catch(() => undefined);
    readSmallJson(req, 4096, (bodyError, parsed) =>
      settle(
        () =>
          whenDone(caller, (principal) => {
            if (bodyError) throw bodyError;
            const { token, endpointId, method } = verifyRequestOf(parsed);
            return whenDone(services.verify.verifyFor(principal, token, { endpointId, method }), (result) => {
              writeJsonText(res, 200, answerOf(result), NO_STORE);
              observe();
            });
          }),
        fail,
      ),
    );
    return true;
  };
}
