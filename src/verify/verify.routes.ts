import express, { type Router } from 'express';
import { bearerValue } from '../core/auth/auth-checker';
import { AppError } from '../core/errors';
import { route, type RouteRegistrar } from '../core/http';
import type { Services } from '../services';
import { VERIFIER_ROLES } from './verify.resolver';
import { HTTP_METHODS } from './verify.service';
import { VerifyResultType } from './verify.type';

/**
 * `POST /v1/verify` for gateways: `{ token, endpointId?, method? }` →
 * `{ valid, kind, tokenId, ownerId, tenantId, expiresAt, reason }`. The caller authenticates with
 * `Authorization: Bearer` (an app access token or a PAT whose role may verify).
 */
export const registerVerifyRoutes: RouteRegistrar<Services> = (router: Router, services, logger) => {
  router.post(
    '/v1/verify',
    express.json({ limit: '4kb' }),
    route(logger, async (req, res) => {
      await services.limits.consume('verifyPerIp', req.ip ?? 'unknown');
      const { principal, tokenId } = await services.auth.authenticate(bearerValue(req.headers.authorization), req.ip ?? 'unknown');
      if (!principal || !tokenId) throw AppError.unauthenticated();
      await services.limits.consume('verifyPerToken', tokenId);
      if (!VERIFIER_ROLES.includes(principal.role)) throw AppError.forbidden('This token may not verify tokens.');
      const body = (req.body ?? {}) as { token?: unknown; endpointId?: unknown; method?: unknown };
      if (typeof body.token !== 'string' || body.token.length === 0 || body.token.length > 512) throw AppError.badInput('token', 'token must be a string of 1 to 512 characters.');
      if (body.endpointId !== undefined && body.endpointId !== null && (typeof body.endpointId !== 'string' || body.endpointId.length > 64)) throw AppError.badInput('endpointId', 'endpointId must be an endpoint id.');
      if (body.method !== undefined && body.method !== null && (typeof body.method !== 'string' || !HTTP_METHODS.includes(body.method))) throw AppError.badInput('method', `method must be one of ${HTTP_METHODS.join(', ')}.`);
      const result = await services.verify.verifyFor(principal, body.token, { endpointId: (body.endpointId as string | null) ?? undefined, method: (body.method as string | null) ?? undefined });
      res.setHeader('cache-control', 'no-store');
      res.json(VerifyResultType.from(result));
    }),
  );
};
