import express, { type Request, type Response, type Router } from 'express';
import type { Logger } from '../../core/logger';
import { RateLimitedError, type RateLimits } from '../../core/rate-limit';
import { route, sendError } from '../../core/http';
import type { App } from './app.entity';
import { API_SCOPE, type AppService } from './app.service';
import { authorizationServerMetadata, clientCredentials, noStore, OAuthError, param, parseScope, requireForm, sendOAuthError } from './oauth.protocol';

/** Form bodies are small; a parse failure is an OAuth `invalid_request`, not a Tessera error. */
const formParser = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 32 });

function oauthRoute(logger: Logger, handler: (req: Request, res: Response) => Promise<void>) {
  const inner = route(logger, async (req, res) => {
    try {
      requireForm(req);
      await handler(req, res);
    } catch (error) {
      if (error instanceof OAuthError) return sendOAuthError(res, error);
      noStore(res);
      sendError(res, error, logger);
    }
  });
  return (req: Request, res: Response, next: express.NextFunction) =>
    formParser(req, res, (error?: unknown) => {
      if (error) return sendOAuthError(res, new OAuthError('invalid_request', 'The request body could not be read as a form.'));
      inner(req, res, next);
    });
}

interface OAuthServices {
  apps: AppService;
  limits: RateLimits;
  config: { publicUrl: string };
}

/**
 * The calling app, from its client credentials. A failed client authentication counts against
 * the client's address (the same budget as failed Bearer tokens); past it, the failure is answered
 * 429 with Retry-After. Valid credentials are accepted whatever the address did before.
 */
async function authenticate({ apps, limits }: OAuthServices, req: Request): Promise<App> {
  let app: App | null = null;
  try {
    const { clientId, clientSecret } = clientCredentials(req);
    app = await apps.authenticateClient(clientId, clientSecret);
  } catch (error) {
    if (!(error instanceof OAuthError) || error.error !== 'invalid_client') throw error;
  }
  if (app) return app;
  try {
    await limits.consume('authFailuresPerIp', req.ip ?? 'unknown');
  } catch (error) {
    if (error instanceof RateLimitedError) throw OAuthError.tooManyFailures(error.retryAfterSeconds);
  }
  throw OAuthError.badClient();
}

/**
 * `POST /oauth/token` (RFC 6749 §4.4, client credentials), `POST /oauth/introspect` (RFC 7662)
 * and `POST /oauth/revoke` (RFC 7009). All three authenticate the app by its client id and
 * secret, by HTTP Basic or in the form.
 */
export function oauthRoutes(router: Router, services: OAuthServices, logger: Logger): void {
  const { apps } = services;

  // RFC 8414: what OAuth libraries discover instead of being configured by hand. Public, cacheable.
  router.get('/.well-known/oauth-authorization-server', (_req, res) => {
    res.setHeader('cache-control', 'public, max-age=300');
    res.json(authorizationServerMetadata(services.config.publicUrl, API_SCOPE));
  });

  router.post(
    '/oauth/token',
    oauthRoute(logger, async (req, res) => {
      const grantType = param(req, 'grant_type');
      const scope = parseScope(param(req, 'scope'));
      if (!grantType) throw OAuthError.missing('grant_type');
      const app = await authenticate(services, req);
      if (grantType !== 'client_credentials') throw new OAuthError('unsupported_grant_type', 'Only the client_credentials grant is supported.');
      if (scope === null) throw new OAuthError('invalid_scope', 'The scope is malformed.');
      if (scope.some((part) => part !== API_SCOPE)) throw new OAuthError('invalid_scope', `The only scope is ${API_SCOPE}.`);
      const issued = await apps.issueAccessToken(app, API_SCOPE, res.locals.requestId as string | undefined);
      noStore(res).json({ access_token: issued.value, token_type: 'Bearer', expires_in: issued.expiresInSeconds, scope: issued.scope });
    }),
  );

  router.post(
    '/oauth/introspect',
    oauthRoute(logger, async (req, res) => {
      const app = await authenticate(services, req);
      const token = param(req, 'token');
      if (!token) throw OAuthError.missing('token');
      noStore(res).json(await apps.introspect(app, token));
    }),
  );

  router.post(
    '/oauth/revoke',
    oauthRoute(logger, async (req, res) => {
      const app = await authenticate(services, req);
      const token = param(req, 'token');
      if (!token) throw OAuthError.missing('token');
      const outcome = await apps.revokeAccessToken(app, token, res.locals.requestId as string | undefined);
      if (outcome === 'not_issued_to_client') throw new OAuthError('invalid_request', 'The token was not issued to this client.');
      if (outcome === 'unsupported_token_type')
        throw new OAuthError('unsupported_token_type', 'Only access tokens can be revoked here; rotate a client secret instead.');
      // RFC 7009 §2.2: 200 whether or not the token existed. Clients ignore the body; an empty
      // JSON object keeps strict JSON clients (simple-oauth2's wreck) from failing on it.
      noStore(res).status(200).json({});
    }),
  );
}
