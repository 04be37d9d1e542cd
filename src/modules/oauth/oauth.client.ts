import { createPrivateKey, webcrypto } from 'node:crypto';
import type * as OpenIdClient from 'openid-client' with { 'resolution-mode': 'import' };
import { DESTINATION_NOT_ALLOWED, isDestinationNotAllowed, type OutboundPolicy } from '../../core/outbound';

/**
 * The protocol side of outbound tokens, on `openid-client` (a maintained, certified OAuth 2.0 /
 * OpenID Connect client): Tessera builds no token request by hand. The library is ESM-only, so
 * it is loaded once with a dynamic import.
 */
type Lib = typeof OpenIdClient;
let lib: Promise<Lib> | undefined;
function openid(): Promise<Lib> {
  lib ??= import('openid-client');
  return lib;
}

/** What the client needs of a provider, secrets already unsealed. */
export interface ProviderEndpoints {
  authorizeUrl: string;
  tokenUrl: string;
  revocationUrl?: string | null;
  /** The only way to the provider: connects to permitted destinations only. */
  via: OutboundPolicy;
}

export interface ClientCredentials {
  clientId: string;
  /** Client secret for client_secret_basic; absent with a private key. */
  clientSecret?: string;
  /** A signed client assertion instead of a secret (RFC 7523). */
  privateKey?: { pem: string; keyId: string; algorithm: string };
}

/** The provider's answer to a token request. */
export interface GrantedToken {
  accessToken: string;
  refreshToken?: string;
  tokenType?: string;
  scope?: string;
  /** Seconds the access token lives, as the provider said. */
  expiresIn?: number;
}

/**
 * A provider refused or could not be reached. `message` is Tessera's own wording or the provider's
 * RFC 6749 error code and a sanitised, bounded description ({@link providerErrorText}); never a
 * raw answer, never a secret.
 */
export class ProviderFailure extends Error {
  constructor(
    message: string,
    /** The OAuth error code (`invalid_client`), or `unreachable` / `invalid_response` / `DESTINATION_NOT_ALLOWED`. */
    readonly code: string,
  ) {
    super(message);
    this.name = 'ProviderFailure';
  }
}

/** Private-key algorithms accepted for private_key_jwt, with their WebCrypto parameters. */
export const KEY_ALGORITHMS: Record<string, webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams> = {
  RS256: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
  RS384: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-384' },
  RS512: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-512' },
  PS256: { name: 'RSA-PSS', hash: 'SHA-256' },
  PS384: { name: 'RSA-PSS', hash: 'SHA-384' },
  PS512: { name: 'RSA-PSS', hash: 'SHA-512' },
  ES256: { name: 'ECDSA', namedCurve: 'P-256' },
  ES384: { name: 'ECDSA', namedCurve: 'P-384' },
};

async function importPrivateKey(pem: string, algorithm: string): Promise<webcrypto.CryptoKey> {
  const params = KEY_ALGORITHMS[algorithm];
  if (!params) throw new Error(`unsupported algorithm ${algorithm}`);
  const der = createPrivateKey(pem).export({ format: 'der', type: 'pkcs8' });
  return webcrypto.subtle.importKey('pkcs8', der, params, false, ['sign']);
}

/** Whether the PEM holds a private key usable with `algorithm`. */
export async function isUsablePrivateKey(pem: string, algorithm: string): Promise<boolean> {
  try {
    await importPrivateKey(pem, algorithm);
    return true;
  } catch {
    return false;
  }
}

/** Whether talking to this provider goes over plain HTTP. */
export function isInsecure(endpoints: ProviderEndpoints): boolean {
  return [endpoints.authorizeUrl, endpoints.tokenUrl, endpoints.revocationUrl].some((url) => url?.startsWith('http:'));
}

/**
 * A fetch that drops `id_token` from token-endpoint answers. Plain OAuth 2.0 flows (every flow
 * but OIDC_HYBRID) ask for no ID token and Tessera uses none, yet many providers send one anyway
 * (often with an issuer unrelated to the token URL); openid-client would validate it and refuse
 * a perfectly good access token. Only the OpenID flow keeps and validates it.
 */
function withoutIdToken(tokenUrl: string, via: OutboundPolicy): OpenIdClient.CustomFetch {
  return async (url, options) => {
    const response = await via.fetch(url, options as RequestInit);
    if (url !== tokenUrl || !response.ok || !(response.headers.get('content-type') ?? '').includes('json')) return response;
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return new Response(text, { status: response.status, statusText: response.statusText, headers: response.headers });
    }
    if (body && typeof body === 'object' && 'id_token' in body) delete (body as Record<string, unknown>).id_token;
    return new Response(JSON.stringify(body), { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}

async function configure(
  endpoints: ProviderEndpoints,
  credentials: ClientCredentials,
  openIdFlow = false,
): Promise<{ client: Lib; config: OpenIdClient.Configuration }> {
  const client = await openid();
  const auth = credentials.privateKey
    ? client.PrivateKeyJwt({
        key: (await importPrivateKey(credentials.privateKey.pem, credentials.privateKey.algorithm)) as never,
        kid: credentials.privateKey.keyId,
      })
    : client.ClientSecretBasic(credentials.clientSecret ?? '');
  // The provider is described by its endpoints; its issuer is taken to be the token URL's origin.
  const config = new client.Configuration(
    {
      issuer: new URL(endpoints.tokenUrl).origin,
      authorization_endpoint: endpoints.authorizeUrl,
      token_endpoint: endpoints.tokenUrl,
      ...(endpoints.revocationUrl ? { revocation_endpoint: endpoints.revocationUrl } : {}),
    },
    credentials.clientId,
    credentials.privateKey ? { token_endpoint_auth_signing_alg: credentials.privateKey.algorithm } : undefined,
    auth,
  );
  // openid-client refuses http:// unless told; only providers configured with http:// URLs get it.
  if (isInsecure(endpoints)) client.allowInsecureRequests(config);
  // Every request goes through the outbound policy: the OpenID flow keeps the ID token.
  config[client.customFetch] = openIdFlow
    ? (url, options) => endpoints.via.fetch(url, options as RequestInit)
    : withoutIdToken(new URL(endpoints.tokenUrl).href, endpoints.via);
  return { client, config };
}

/** RFC 6749 token characters (VSCHAR, %x20-7E) and the longest token Tessera keeps. */
const TOKEN_VALUE = /^[\x20-\x7E]+$/;
export const MAX_TOKEN_LENGTH = 16_384;

/** A value of the token answer, only if it is what RFC 6749 says it is: printable ASCII, bounded. */
function tokenField(response: Record<string, unknown>, name: string, max: number, required: boolean): string | undefined {
  const value = response[name];
  if (value === undefined || value === null) {
    if (required) throw new ProviderFailure(`The provider's answer was not usable (no ${name}).`, 'invalid_response');
    return undefined;
  }
  if (typeof value !== 'string' || value.length > max || !TOKEN_VALUE.test(value)) {
    throw new ProviderFailure(`The provider's answer was not usable (${name} is not printable ASCII of at most ${max} characters).`, 'invalid_response');
  }
  return value;
}

/** Only what a token endpoint gives as a token is kept: typed and bounded, never whatever else the answer held. */
function granted(response: OpenIdClient.TokenEndpointResponse & OpenIdClient.TokenEndpointResponseHelpers): GrantedToken {
  const fields = response as unknown as Record<string, unknown>;
  const expiresIn = response.expires_in;
  return {
    accessToken: tokenField(fields, 'access_token', MAX_TOKEN_LENGTH, true) as string,
    refreshToken: tokenField(fields, 'refresh_token', MAX_TOKEN_LENGTH, false),
    tokenType: tokenField(fields, 'token_type', 100, false),
    scope: tokenField(fields, 'scope', 4000, false),
    // The provider's own figure: `expiresIn()` recounts it against the wall clock and floors it.
    expiresIn: typeof expiresIn === 'number' && Number.isFinite(expiresIn) && expiresIn >= 0 ? expiresIn : undefined,
  };
}

/** RFC 6749 §5.2: `error` and `error_description` are made of %x20-21 / %x23-5B / %x5D-7E. */
const ERROR_CHAR = /[^\x20\x21\x23-\x5B\x5D-\x7E]/g;
const ERROR_CODE = /^[\x21\x23-\x5B\x5D-\x7E]{1,64}$/;
/** The longest provider description Tessera repeats. */
export const MAX_ERROR_DESCRIPTION = 200;

/** Text of a provider (or callback) is never repeated as it came: only the RFC 6749 charset, bounded. */
function sanitised(text: string, max: number): string {
  const clean = text.replace(ERROR_CHAR, '?').replace(/\s+/g, ' ').trim();
  return clean.length > max ? `${clean.slice(0, max)}...` : clean;
}

/**
 * What Tessera repeats of a provider's OAuth error (in `providerError`, events and pages): the
 * RFC 6749 `error` code if it is one (else `invalid_response`) and `error_description` reduced to
 * the RFC's characters and {@link MAX_ERROR_DESCRIPTION} characters.
 */
export function providerErrorText(error: unknown, description: unknown): { code: string; message: string } {
  if (typeof error !== 'string' || !ERROR_CODE.test(error))
    return { code: 'invalid_response', message: 'The provider answered with an error that is not an OAuth error code.' };
  const detail = typeof description === 'string' ? sanitised(description, MAX_ERROR_DESCRIPTION) : '';
  return { code: error, message: detail ? `${error}: ${detail}` : error };
}

/** The one wording for every way a connection can fail: which one it was would tell a port scan. */
const UNREACHABLE = 'The provider could not be reached.';

/** Whether a request never got an answer (a connection, TLS or timeout failure), looking through the chain of causes. */
function isNetworkFailure(error: unknown): boolean {
  for (
    let current = error as { name?: string; code?: unknown; message?: string; cause?: unknown } | undefined, depth = 0;
    current && depth < 8;
    current = current.cause as typeof current, depth += 1
  ) {
    if (current.code === 'OAUTH_TIMEOUT' || current.name === 'TimeoutError' || current.name === 'AbortError') return true;
    if (current.name === 'TypeError' && current.message === 'fetch failed') return true;
    if (typeof current.code === 'string' && /^(E[A-Z]+|UND_ERR_[A-Z_]+|ERR_TLS_[A-Z_]+)$/.test(current.code)) return true;
  }
  return false;
}

/**
 * Maps anything the library throws to a {@link ProviderFailure}: `DESTINATION_NOT_ALLOWED` when
 * the connection was refused before it was made, the provider's OAuth error
 * ({@link providerErrorText}), `unreachable` (one wording) when the connection failed,
 * `invalid_response` when the provider answered something the protocol refuses.
 */
export function failure(error: unknown): ProviderFailure {
  if (error instanceof ProviderFailure) return error;
  if (isDestinationNotAllowed(error)) {
    return new ProviderFailure(
      "The provider's address is not public and not allowed by TESSERA_OUTBOUND_ALLOWED_HOSTS: Tessera did not connect.",
      DESTINATION_NOT_ALLOWED,
    );
  }
  const e = error as { code?: unknown; message?: unknown; error?: unknown; error_description?: unknown; cause?: { code?: unknown } };
  if (e && typeof e === 'object' && 'error' in e && e.error !== undefined) {
    const text = providerErrorText(e.error, e.error_description);
    return new ProviderFailure(text.message, text.code);
  }
  if (e?.code === 'RESPONSE_TOO_LARGE' || e?.cause?.code === 'RESPONSE_TOO_LARGE')
    return new ProviderFailure("The provider's answer was too large.", 'invalid_response');
  if (isNetworkFailure(error)) return new ProviderFailure(UNREACHABLE, 'unreachable');
  // openid-client's own codes and messages (fixed wording); anything else is not repeated.
  const code = typeof e?.code === 'string' && /^OAUTH_[A-Z_]+$/.test(e.code) ? e.code : undefined;
  const detail = code && typeof e.message === 'string' ? `${code}: ${sanitised(e.message, MAX_ERROR_DESCRIPTION)}` : code;
  return new ProviderFailure(`The provider's answer was not usable${detail ? ` (${detail})` : ''}.`, 'invalid_response');
}

async function attempt<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw failure(error);
  }
}

function params(values: Record<string, string | null | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1] !== ''));
}

export const OAuthClient = {
  async clientCredentials(
    endpoints: ProviderEndpoints,
    credentials: ClientCredentials,
    parameters: Record<string, string | null | undefined>,
  ): Promise<GrantedToken> {
    return attempt(async () => {
      const { client, config } = await configure(endpoints, credentials);
      return granted(await client.clientCredentialsGrant(config, params(parameters)));
    });
  },

  async password(endpoints: ProviderEndpoints, credentials: ClientCredentials, parameters: Record<string, string | null | undefined>): Promise<GrantedToken> {
    return attempt(async () => {
      const { client, config } = await configure(endpoints, credentials);
      return granted(await client.genericGrantRequest(config, 'password', params(parameters)));
    });
  },

  async refresh(
    endpoints: ProviderEndpoints,
    credentials: ClientCredentials,
    refreshToken: string,
    parameters: Record<string, string | null | undefined>,
  ): Promise<GrantedToken> {
    return attempt(async () => {
      const { client, config } = await configure(endpoints, credentials);
      return granted(await client.refreshTokenGrant(config, refreshToken, params(parameters)));
    });
  },

  /** A new authorization link with state and PKCE (S256); keep `codeVerifier` for the callback. */
  async authorizationLink(
    endpoints: ProviderEndpoints,
    credentials: ClientCredentials,
    parameters: Record<string, string | null | undefined> & { redirect_uri: string },
    withNonce: boolean,
  ): Promise<{ url: string; state: string; codeVerifier: string; nonce?: string }> {
    const client = await openid();
    const { config } = await configure(endpoints, credentials);
    const codeVerifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = withNonce ? client.randomNonce() : undefined;
    const url = client.buildAuthorizationUrl(config, {
      response_type: 'code',
      ...params(parameters),
      state,
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      ...(nonce ? { nonce } : {}),
    });
    return { url: url.href, state, codeVerifier, nonce };
  },

  /** Completes an authorization-code request from the URL the provider redirected to. */
  async exchangeCode(
    endpoints: ProviderEndpoints,
    credentials: ClientCredentials,
    callbackUrl: URL,
    checks: { state: string; codeVerifier: string; nonce?: string },
    parameters: Record<string, string | null | undefined>,
  ): Promise<GrantedToken> {
    return attempt(async () => {
      const { client, config } = await configure(endpoints, credentials, checks.nonce !== undefined);
      const response = await client.authorizationCodeGrant(
        config,
        callbackUrl,
        { pkceCodeVerifier: checks.codeVerifier, expectedState: checks.state, expectedNonce: checks.nonce, idTokenExpected: checks.nonce !== undefined },
        params(parameters),
      );
      return granted(response);
    });
  },

  /** RFC 7009 revocation; a provider without a revocation URL is not asked. */
  async revoke(endpoints: ProviderEndpoints, credentials: ClientCredentials, token: string, hint: 'access_token' | 'refresh_token'): Promise<void> {
    if (!endpoints.revocationUrl) return;
    return attempt(async () => {
      const { client, config } = await configure(endpoints, credentials);
      await client.tokenRevocation(config, token, { token_type_hint: hint });
    });
  },
};
