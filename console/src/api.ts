import { createClient, type Client } from 'graphql-ws';
import type { TypedDocumentString } from './generated/graphql';
import { CloseCode } from '../../shared/close-codes';

/** Where the signed-in token lives: this tab's session storage, never a URL, a cookie or a log. */
export const TOKEN_KEY = 'tessera.token';

export const session = {
  token(): string | null {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  signIn(token: string): void {
    sessionStorage.setItem(TOKEN_KEY, token);
  },
  signOut(): void {
    sessionStorage.removeItem(TOKEN_KEY);
  },
};

/** A GraphQL error, with its `extensions.code` (UNAUTHENTICATED, FORBIDDEN, CONFLICT, …) and `reason` where it has one. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly reason?: string,
  ) {
    super(message);
  }
}

/** Runs one query or mutation over HTTP with the signed-in token. */
export async function gql<TResult, TVariables>(
  document: TypedDocumentString<TResult, TVariables>,
  ...[variables]: TVariables extends Record<string, never> ? [] : [TVariables]
): Promise<TResult> {
  const token = session.token();
  const response = await fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query: document.toString(), variables }),
  });
  let body: { data?: TResult | null; errors?: { message: string; extensions?: { code?: string; reason?: string } }[] };
  try {
    body = (await response.json()) as typeof body;
  } catch {
    throw new ApiError(`Tessera answered ${response.status} without a GraphQL body`, 'INTERNAL_SERVER_ERROR');
  }
  const error = body.errors?.[0];
  if (error) throw new ApiError(error.message, error.extensions?.code, error.extensions?.reason);
  if (!body.data) throw new ApiError('Tessera answered without data', 'INTERNAL_SERVER_ERROR');
  return body.data;
}

/** What the console says when its socket closes, by Tessera's close codes. */
function closedMessage(code: number | undefined): string {
  switch (code) {
    case CloseCode.Unauthorized:
      return 'The token of this session is no longer valid';
    case CloseCode.TooManyConnections:
      return 'This token holds too many connections: close other tabs. Reconnecting…';
    case CloseCode.RoleChanged:
      return 'Your role changed: reconnecting…';
    case CloseCode.TooManyAuthenticationFailures:
      return 'Too many failed sign-ins from this address: reconnecting after a pause…';
    default:
      return 'Disconnected: reconnecting…';
  }
}

/** One graphql-ws client per sign-in; it reconnects on its own. */
export function socketClient(token: string, on: { connected(): void; closed(reason: string): void }): Client {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
  return createClient({
    url,
    connectionParams: { authorization: `Bearer ${token}` },
    lazy: false,
    retryAttempts: Infinity,
    // A token that stopped being valid needs a new sign-in; every other close is retried.
    shouldRetry: (event) => !(event && typeof event === 'object' && 'code' in event && (event as CloseEvent).code === CloseCode.Unauthorized),
    on: {
      connected: () => on.connected(),
      closed: (event) => on.closed(closedMessage((event as CloseEvent | undefined)?.code)),
    },
  });
}

/** Compares two event ids (whole numbers as strings). */
export function eventIdAfter(a: string, b: string | null): boolean {
  if (b === null) return true;
  return BigInt(a) > BigInt(b);
}
