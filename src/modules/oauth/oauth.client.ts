import { createPrivateKey, webcrypto } from 'node:crypto';
import type * as OpenIdClient from 'openid-client' with { 'resolution-mode': 'import' };

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

/** A provider refused or could not be reached; `message` is the provider's error, never a secret. */
export class ProviderFailure extends Error {
  constructor(
    message: string,
    /** The OAuth error code (`invalid_client`), or `unreachable` / `invalid_response`. */
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
function withoutIdToken(tokenUrl: string): OpenIdClient.CustomFetch {
  return async (url, options) => {
    const response = await fetch(url, options as RequestInit);
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

async function configure(endpoints: ProviderEndpoints, credentials: ClientCredentials, openIdFlow = false): Promise<{ client: Lib; config: OpenIdClient.Configuration }> {
  const client = await openid();
  const auth = credentials.privateKey
    ? client.PrivateKeyJwt({ key: (await importPrivateKey(credentials.privateKey.pem, credentials.privateKey.algorithm)) as never, kid: credentials.privateKey.keyId })
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
  if (!openIdFlow) config[client.customFetch] = withoutIdToken(new URL(endpoints.tokenUrl).href);
  return { client, config };
}

function granted(response: OpenIdClient.TokenEndpointResponse & OpenIdClient.TokenEndpointResponseHelpers): GrantedToken {
  return {
    accessToken: response.access_token,
    refreshToken: response.refresh_token,
    tokenType: response.token_type,
    scope: response.scope,
    // The provider's own figure: `expiresIn()` recounts it against the wall clock and floors it.
    expiresIn: typeof response.expires_in === 'number' ? response.expires_in : undefined,
  };
}

/** Error codes of a failed connection (node's fetch puts them on `cause`). */
const NETWORK_CODES = /^(E[A-Z]+|UND_ERR_[A-Z_]+)$/;

/** The reason a request never got an answer, looking through the chain of causes; null for protocol errors. */
function networkCause(error: unknown): string | null {
  let fallback: string | null = null;
  for (let current = error as { name?: string; code?: unknown; message?: string; cause?: unknown } | undefined, depth = 0; current && depth < 6; current = current.cause as typeof current, depth += 1) {
    if (typeof current.code === 'string' && NETWORK_CODES.test(current.code)) return current.code;
    if (current.code === 'OAUTH_TIMEOUT' || current.name === 'TimeoutError') return 'timeout';
    if (current.name === 'TypeError' && current.message === 'fetch failed') fallback = 'network error';
  }
  return fallback;
}

/**
 * Maps anything the library throws to a {@link ProviderFailure}: the provider's OAuth error
 * (`invalid_client: …`), `unreachable` when the connection failed, `invalid_response` when the
 * provider answered something the protocol refuses (openid-client's `OAUTH_*` codes).
 */
export function failure(error: unknown): ProviderFailure {
  if (error instanceof ProviderFailure) return error;
  const e = error as { name?: string; code?: string; message?: string; error?: string; error_description?: string; status?: number; cause?: { code?: string; message?: string; name?: string } };
  if (typeof e?.error === 'string') return new ProviderFailure(e.error_description ? `${e.error}: ${e.error_description}` : e.error, e.error);
  const network = networkCause(error);
  if (network) return new ProviderFailure(`The provider could not be reached (${network}).`, 'unreachable');
  const code = typeof e?.code === 'string' ? e.code : undefined;
  return new ProviderFailure(`The provider's answer was not usable (${code ? `${code}: ` : ''}${e?.message ?? String(error)}).`, 'invalid_response');
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
  async clientCredentials(endpoints: ProviderEndpoints, credentials: ClientCredentials, parameters: Record<string, string | null | undefined>): Promise<GrantedToken> {
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

  async refresh(endpoints: ProviderEndpoints, credentials: ClientCredentials, refreshToken: string, parameters: Record<string, string | null | undefined>): Promise<GrantedToken> {
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
