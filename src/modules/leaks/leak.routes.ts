import express, { type Router } from 'express';
import { AppError } from '../../core/errors';
import { refuseDeepJson, route, type RouteRegistrar } from '../../core/http';
import type { RateLimits } from '../../core/rate-limit';
import type { LeakService } from './leak.service';

const MAX_FINDINGS = 100;

/**
 * `POST /v1/leaks` for secret scanners (GitHub's partner format: a JSON array of
 * `{ token, type?, url?, source? }`, or one such object). No authentication, as with GitHub's
 * credential-revocation API: holding the value is what a report proves. Limited per address.
 * Answers one entry per finding, in order: `{ token_start, recognised, revoked, already_inactive }`.
 */
export const registerLeakRoutes: RouteRegistrar<{ limits: RateLimits; leaks: LeakService }> = (router: Router, services, logger) => {
  router.post(
    '/v1/leaks',
    express.json({ limit: '64kb', verify: refuseDeepJson() }),
    route(logger, async (req, res) => {
      await services.limits.consume('leaksPerIp', req.ip ?? 'unknown');
      const body: unknown = req.body;
      const findings = Array.isArray(body) ? body : [body];
      if (findings.length === 0 || findings.length > MAX_FINDINGS) throw AppError.badInput('body', `Send 1 to ${MAX_FINDINGS} findings.`);
      const values: string[] = [];
      const sources: (string | null)[] = [];
      findings.forEach((finding, index) => {
        const item = finding as { token?: unknown; url?: unknown; source?: unknown } | null;
        if (!item || typeof item.token !== 'string' || item.token.length === 0 || item.token.length > 512)
          throw AppError.badInput(`[${index}].token`, 'Each finding needs a token of 1 to 512 characters.');
        values.push(item.token);
        const where = typeof item.url === 'string' ? item.url : typeof item.source === 'string' ? item.source : null;
        sources.push(where);
      });
      const answers = [];
      for (let i = 0; i < values.length; i += 1) {
        const [outcome] = await services.leaks.report(null, [values[i]], sources[i]);
        answers.push({ token_start: outcome.start, recognised: outcome.recognised, revoked: outcome.revoked, already_inactive: outcome.alreadyInactive });
      }
      res.setHeader('cache-control', 'no-store');
      res.json(answers);
    }),
  );
};
