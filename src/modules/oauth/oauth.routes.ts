import type { RouteRegistrar } from '../../core/http';
import { route } from '../../core/http';
import type { OAuthService } from './oauth.service';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

function page(ok: boolean, message: string): string {
  const title = ok ? 'Authorization complete' : 'Authorization failed';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1><p>${escapeHtml(message)}</p></body></html>`;
}

/** `GET /oauth/callback`: where a provider returns the browser; completes the exchange. */
export const oauthCallbackRoutes: RouteRegistrar<{ oauth: OAuthService }> = (router, services, logger) => {
  router.get(
    '/oauth/callback',
    route(logger, async (req, res) => {
      const query = Object.fromEntries(Object.entries(req.query).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
      const result = await services.oauth.completeAuthorization(query);
      res
        .status(result.ok ? 200 : 400)
        .type('html')
        .setHeader('cache-control', 'no-store')
        .send(page(result.ok, result.message));
    }),
  );
};
