import type { IncomingMessage, ServerResponse } from 'node:http';
import { bearerValue } from '../core/auth/auth-checker';
import { AppError } from '../core/errors';
import { readSmallJson, sendError, writeJson } from '../core/http';
import type { Logger } from '../core/logger';
import type { Metrics } from '../core/metrics';
import type { Services } from '../services';
import { VERIFIER_ROLES } from './verify.resolver';
import { HTTP_METHODS } from './verify.service';
import { VerifyResultType } from './verify.type';

const NO_STORE = { 'cache-control': 'no-store' };

/**
 * `POST /v1/verify` for gateways: `{ token, endpointId?, method? }` →
 * `{ valid, kind, tokenId, ownerId, tenantId, expiresAt, reason }`. The caller authenticates with
 * `Authorization: Bearer` (an app access token or a PAT whose role may verify).
 *
 * This is the hot path, so it is served straight from Node's HTTP handler, ahead of Express:
 * the same verifier, rate limits and error bodies, without a router, middleware stack or
 * body-parser in the way (see bench/verify-throughput).
 */
export function createVerifyHandler(services: Services, logger: Logger, metrics: Metrics) {
  let counter = 0;
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.method !== 'POST' || (req.url !== '/v1/verify' && !req.url?.startsWith('/v1/verify?'))) return false;
    const started = process.hrtime.bigint();
    const requestId = `v-${(counter++).toString(36)}`;
    res.once('finish', () => metrics.observeRequest('/v1/verify', res.statusCode, started));
    void (async () => {
      const ip = req.socket.remoteAddress ?? 'unknown';
      await services.limits.consume('verifyPerIp', ip);
      const { principal, tokenId } = await services.auth.authenticate(bearerValue(req.headers.authorization), ip);
      if (!principal || !tokenId) throw AppError.unauthenticated();
      await services.limits.consume('verifyPerToken', tokenId);
      if (!VERIFIER_ROLES.includes(principal.role)) throw AppError.forbidden('This token may not verify tokens.');
      const parsed = await readSmallJson(req, 4096);
      const body = (parsed && typeof parsed === 'object' ? parsed : {}) as { token?: unknown; endpointId?: unknown; method?: unknown };
      if (typeof body.token !== 'string' || body.token.length === 0 || body.token.length > 512) throw AppError.badInput('token', 'token must be a string of 1 to 512 characters.');
      if (body.endpointId !== undefined && body.endpointId !== null && (typeof body.endpointId !== 'string' || body.endpointId.length > 64)) throw AppError.badInput('endpointId', 'endpointId must be an endpoint id.');
      if (body.method !== undefined && body.method !== null && (typeof body.method !== 'string' || !HTTP_METHODS.includes(body.method))) throw AppError.badInput('method', `method must be one of ${HTTP_METHODS.join(', ')}.`);
      const result = await services.verify.verifyFor(principal, body.token, { endpointId: (body.endpointId as string | null) ?? undefined, method: (body.method as string | null) ?? undefined });
      writeJson(res, 200, VerifyResultType.from(result), NO_STORE);
    })().catch((error: unknown) => sendError(res, error, logger, requestId));
    return true;
  };
}
