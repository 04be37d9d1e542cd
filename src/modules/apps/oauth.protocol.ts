import type { Request, Response } from 'express';

/**
 * The protocol surface of RFC 6749 (§2.3.1 client authentication, §5.1/§5.2 responses), RFC 7662
 * and RFC 7009, written by hand: Tessera supports one grant (client credentials) whose tokens,
 * values and clock belong to its own TokenStore, and none of the Node servers we considered
 * covers introspection and revocation — see the commit message for the comparison.
 */

/** An error response per RFC 6749 §5.2: `{ error, error_description }`. */
export class OAuthError extends Error {
  constructor(
    readonly error:
      'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unauthorized_client' | 'unsupported_grant_type' | 'invalid_scope' | 'unsupported_token_type',
    readonly description: string,
    /** Set when the client's address is past its failure limit: answered 429 with Retry-After. */
    readonly retryAfterSeconds?: number,
  ) {
    super(description);
    this.name = 'OAuthError';
  }

  /** `invalid_client` is answered 401 with a challenge (the client may have used Basic); 429 past the failure limit. */
  get status(): number {
    if (this.retryAfterSeconds !== undefined) return 429;
    return this.error === 'invalid_client' ? 401 : 400;
  }

  static missing(name: string): OAuthError {
    return new OAuthError('invalid_request', `The ${name} parameter is required.`);
  }

  static badClient(): OAuthError {
    return new OAuthError('invalid_client', 'Client authentication failed.');
  }

  /** A failed client authentication from an address past its failure limit. */
  static tooManyFailures(retryAfterSeconds: number): OAuthError {
    return new OAuthError(
      'invalid_client',
      `Client authentication failed, and this address failed too often: retry after ${retryAfterSeconds} s.`,
      retryAfterSeconds,
    );
  }
}

/** Token responses and errors must never be cached (RFC 6749 §5.1, RFC 7662 §2.2). */
export function noStore(res: Response): Response {
  return res.setHeader('Cache-Control', 'no-store').setHeader('Pragma', 'no-cache');
}

/**
 * `error_description` as RFC 6749 §5.2 allows it: printable ASCII without `"` and `\`
 * (%x20-21 / %x23-5B / %x5D-7E). Quotes become `'`, a backslash `/`, anything else `?`.
 */
export function oauthDescription(text: string): string {
  return text
    .replace(/"/g, "'")
    .replace(/\\/g, '/')
    .replace(/[^\x20-\x7E]/g, '?');
}

export function sendOAuthError(res: Response, error: OAuthError): void {
  noStore(res);
  if (error.error === 'invalid_client') res.setHeader('WWW-Authenticate', 'Basic realm="tessera", charset="UTF-8"');
  if (error.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(error.retryAfterSeconds));
  res.status(error.status).json({ error: error.error, error_description: oauthDescription(error.description) });
}

/** How clients authenticate at every endpoint here (RFC 6749 §2.3.1). */
const CLIENT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post'];

/**
 * Authorization server metadata (RFC 8414 §2) for `/.well-known/oauth-authorization-server`:
 * what `openid-client`'s `discovery()` and other OAuth libraries read instead of hand-written
 * settings. The issuer is PUBLIC_URL; only the client credentials grant exists, so there is no
 * authorization endpoint and no response type.
 */
export function authorizationServerMetadata(publicUrl: string, scope: string): Record<string, unknown> {
  return {
    issuer: publicUrl,
    token_endpoint: `${publicUrl}/oauth/token`,
    introspection_endpoint: `${publicUrl}/oauth/introspect`,
    revocation_endpoint: `${publicUrl}/oauth/revoke`,
    grant_types_supported: ['client_credentials'],
    response_types_supported: [],
    scopes_supported: [scope],
    token_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
    introspection_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
    revocation_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
    service_documentation: `${publicUrl}/console`,
  };
}

/** Refuses bodies that are not form-encoded (RFC 6749 §3.2, RFC 7662 §2.1, RFC 7009 §2.1). */
export function requireForm(req: Request): void {
  if (!req.is('application/x-www-form-urlencoded')) {
    throw new OAuthError('invalid_request', 'The request body must be application/x-www-form-urlencoded.');
  }
}

/**
 * A form parameter. Repeating one is invalid (RFC 6749 §3.2); one sent without a value counts
 * as omitted (§3.1).
 */
export function param(req: Request, name: string): string | undefined {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const value = body[name];
  if (Array.isArray(value)) throw new OAuthError('invalid_request', `The ${name} parameter must not be repeated.`);
  if (typeof value !== 'string' || value === '') return undefined;
  return value;
}

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

/** Form-decodes one part of an HTTP Basic credential (RFC 6749 §2.3.1 / appendix B). */
function formDecode(part: string): string {
  return decodeURIComponent(part.replace(/\+/g, ' '));
}

/**
 * The client's id and secret from HTTP Basic or from the body's `client_id` / `client_secret`,
 * never both (RFC 6749 §2.3.1). Tessera's clients are all confidential: no secret, no client.
 */
export function clientCredentials(req: Request): ClientCredentials {
  const bodyId = param(req, 'client_id');
  const bodySecret = param(req, 'client_secret');
  const header = req.headers.authorization;
  const basic = typeof header === 'string' ? /^Basic\s+([A-Za-z0-9+/=._~-]*)\s*$/i.exec(header) : null;
  if (basic) {
    if (bodySecret !== undefined) throw new OAuthError('invalid_request', 'Use one client authentication method, not both HTTP Basic and client_secret.');
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw OAuthError.badClient();
    let clientId: string;
    let clientSecret: string;
    try {
      clientId = formDecode(decoded.slice(0, colon));
      clientSecret = formDecode(decoded.slice(colon + 1));
    } catch {
      throw OAuthError.badClient();
    }
    if (bodyId !== undefined && bodyId !== clientId) throw new OAuthError('invalid_request', 'client_id does not match the HTTP Basic credentials.');
    if (!clientId || !clientSecret) throw OAuthError.badClient();
    return { clientId, clientSecret };
  }
  if (bodyId === undefined || bodySecret === undefined) throw OAuthError.badClient();
  return { clientId: bodyId, clientSecret: bodySecret };
}

/** `scope` per RFC 6749 §3.3: space-separated tokens of printable ASCII except `"` and `\`. */
export function parseScope(scope: string | undefined): string[] | null {
  if (scope === undefined) return [];
  const parts = scope.split(' ');
  if (parts.some((part) => !/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(part))) return null;
  return [...new Set(parts)];
}
