import { createHash } from 'node:crypto';
import { RateLimitedError, type RateLimits } from '../../core/rate-limit';
import express, { type Request, type Response } from 'express';
import { ErrorCode } from '../../core/errors';
import { refuseDeepJson, route, sendError, type RestErrorBody, type RouteRegistrar } from '../../core/http';
import { EndpointCallOutcome, HttpMethod } from './endpoint.entity';
import { EndpointErrors as Errors } from './endpoint.errors';
import { MAX_ENDPOINT_BODY_BYTES, type Admission, type EndpointIngress } from './endpoint.ingress';

/** The size a refused call declared (its body is never read). */
function declaredSize(req: Request): number {
  const length = Number(req.header('content-length'));
  return Number.isFinite(length) && length > 0 ? length : 0;
}

type BodyResult = { ok: true; body: unknown; size: number } | { ok: false; outcome: EndpointCallOutcome; statusCode: number; size: number };

/**
 * Reads a POSTed JSON body with body-parser (the parser Express ships), only once the call is
 * admitted: an unauthenticated caller never makes Tessera read its payload.
 */
const deepJson = refuseDeepJson();

function readJson(req: Request, res: Response): Promise<BodyResult> {
  let size = 0;
  const parse = express.json({
    limit: MAX_ENDPOINT_BODY_BYTES,
    type: () => true,
    verify: (req, res, buffer) => {
      size = buffer.length;
      // Deeply nested JSON is refused before it is parsed (it failed later, as a 500, when stored).
      deepJson(req, res, buffer);
    },
  });
  return new Promise((resolve) => {
    parse(req, res, (error?: unknown) => {
      const failure = error as { type?: string } | undefined;
      if (!failure) return resolve({ ok: true, body: (req.body as unknown) ?? null, size });
      if (failure.type === 'entity.too.large')
        return resolve({ ok: false, outcome: EndpointCallOutcome.PAYLOAD_TOO_LARGE, statusCode: 413, size: declaredSize(req) });
      resolve({ ok: false, outcome: EndpointCallOutcome.BAD_BODY, statusCode: 400, size: declaredSize(req) });
    });
  });
}

/** The JSON of a refusal that has no error code of its own (405, 413, a body that is not JSON). */
function refusal(res: Response, admission: Admission, statusCode: number, reason: string | null): RestErrorBody {
  switch (statusCode) {
    case 405:
      res.setHeader('allow', admission.endpoint.allowDelete ? 'GET, POST, DELETE' : 'GET, POST');
      return { error: { code: ErrorCode.BAD_USER_INPUT, message: 'This endpoint does not answer this method.', reason: reason ?? 'METHOD_NOT_ALLOWED' } };
    case 413:
      return { error: { code: ErrorCode.BAD_USER_INPUT, message: `The body is larger than ${MAX_ENDPOINT_BODY_BYTES} bytes.`, reason: 'PAYLOAD_TOO_LARGE' } };
    default:
      return { error: { code: ErrorCode.BAD_USER_INPUT, message: 'The body must be JSON (an object or an array).', reason: 'BAD_BODY' } };
  }
}

/** Whether another refused call of this endpoint may be stored this minute. */
async function storesRefusal(limits: RateLimits, endpointId: string): Promise<boolean> {
  try {
    await limits.consume('ingressRefusalsStoredPerEndpoint', endpointId);
    return true;
  } catch (error) {
    if (error instanceof RateLimitedError) return false;
    throw error;
  }
}

/**
 * `GET|POST|DELETE /endpoints/{path}` with `X-Tessera-Token`: every call that reaches an
 * endpoint is recorded, accepted or not; POSTed JSON is kept.
 */
export const endpointRoutes: RouteRegistrar<{ endpointIngress: EndpointIngress; limits: RateLimits }> = (router, services, logger) => {
  router.all(
    '/endpoints/*path',
    route(logger, async (req, res) => {
      const segments = (req.params as { path?: string | string[] }).path ?? [];
      const path = Array.isArray(segments) ? segments.join('/') : segments;
      const method = req.method.toUpperCase();
      const presented = req.header('x-tessera-token') || null;
      // Per presented token (a digest: limiter keys may live in Redis), or per address without one.
      await services.limits.consume(
        'ingressPerKey',
        presented ? `token:${createHash('sha256').update(presented).digest('base64url')}` : `ip:${req.ip ?? 'unknown'}`,
      );
      const admission = await services.endpointIngress.admit(path, method, presented);
      if (!admission) throw Errors.ingressNotFound(path);

      if (admission.outcome !== EndpointCallOutcome.ACCEPTED) {
        // A refused token is a failed authentication: it counts against the address's failure
        // budget (valid callers never do), and past it the guesses get 429, recorded no more.
        if (admission.statusCode === 401 || admission.statusCode === 403) await services.limits.consume('authFailuresPerIp', req.ip ?? 'unknown');
        // Refusals are stored up to a budget per endpoint (the data viewer shows that they happen);
        // past it they are answered, not written: anonymous calls cannot fill the database.
        if (await storesRefusal(services.limits, admission.endpoint.id)) {
          await services.endpointIngress.record(admission, {
            outcome: admission.outcome,
            statusCode: admission.statusCode,
            reason: admission.recordedReason,
            payloadSize: declaredSize(req),
          });
        }
        if (admission.statusCode === 401) return sendError(res, Errors.ingressUnauthenticated(admission.reason), logger);
        if (admission.statusCode === 403) return sendError(res, Errors.ingressForbidden(admission.reason), logger);
        res.status(admission.statusCode).json(refusal(res, admission, admission.statusCode, admission.reason));
        return;
      }

      let body: unknown = null;
      let size = declaredSize(req);
      if (method === HttpMethod.POST) {
        const read = await readJson(req, res);
        if (!read.ok) {
          await services.endpointIngress.record(admission, {
            outcome: read.outcome,
            statusCode: read.statusCode,
            reason: read.outcome,
            payloadSize: read.size,
          });
          res.status(read.statusCode).json(refusal(res, admission, read.statusCode, read.outcome));
          return;
        }
        body = read.body;
        size = read.size;
      }
      const call = await services.endpointIngress.record(admission, { outcome: EndpointCallOutcome.ACCEPTED, statusCode: 200, payloadSize: size, body });
      res.status(200).json({ callId: call.id, endpointId: call.endpointId, method: call.method, receivedAt: call.receivedAt.toISOString() });
    }),
  );
};
