import express, { type NextFunction, type Request, type Response } from 'express';
import { bearerValue } from '../../core/auth/auth-checker';
import { AppError, ErrorCode } from '../../core/errors';
import { RateLimitedError, type RateLimits } from '../../core/rate-limit';
import { refuseDeepJson, route, sendError, type RouteRegistrar } from '../../core/http';
import type { WorkflowInstanceService } from './workflow-instance.service';
import type { Starter } from './workflow-instance.service';

/** The largest start body accepted. */
const BODY_LIMIT = '256kb';

function single(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

/**
 * `POST /api/workflows/:id/instances`: starts a component workflow from outside with its token
 * (`X-Tessera-Token` or `?token=`) or a bearer token of someone who may start workflows.
 * The caller is verified before the body is even read: 401 says why (missing, unknown,
 * revoked, expired) and nothing more. A refused token counts against the client address's
 * authentication failure budget (shared with every route that authenticates); past it the
 * refusal is 429. Valid callers are never held back by what their address did before.
 */
export const workflowRoutes: RouteRegistrar<{ limits: RateLimits; workflowInstances: WorkflowInstanceService }> = (router, services, logger) => {
  const authenticate = (req: Request, res: Response, next: NextFunction): void => {
    const credentials = { workflowToken: single(req.header('x-tessera-token')) ?? single(req.query.token), bearer: bearerValue(req.header('authorization')) };
    services.workflowInstances
      .authenticate(String(req.params.id), credentials)
      .catch(async (error: unknown) => {
        const refusedToken = (credentials.workflowToken || credentials.bearer) && error instanceof AppError && error.code === ErrorCode.UNAUTHENTICATED;
        if (refusedToken) {
          try {
            await services.limits.consume('authFailuresPerIp', req.ip ?? 'unknown');
          } catch (limited) {
            if (limited instanceof RateLimitedError) throw limited;
          }
        }
        throw error;
      })
      .then((starter) => {
        res.locals.starter = starter;
        next();
      })
      .catch((error: unknown) => sendError(res, error, logger));
  };

  router.post(
    '/api/workflows/:id/instances',
    authenticate,
    express.json({ limit: BODY_LIMIT, verify: refuseDeepJson() }),
    route(logger, async (req, res) => {
      const hasBody = Number(req.header('content-length') ?? 0) > 0 || req.header('transfer-encoding') !== undefined;
      const body: unknown = req.body === undefined && !hasBody ? {} : req.body;
      const instance = await services.workflowInstances.start(res.locals.starter as Starter, String(req.params.id), body);
      res.status(201).json({ id: instance.id, workflowId: instance.workflowId });
    }),
  );
};
