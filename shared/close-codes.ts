/**
 * How Tessera closes a graphql-ws connection (`graphql-transport-ws`), shared by the server, the
 * console and the tests. 4401 and 4403 are the protocol's own and mean what they mean there; the
 * others are Tessera's, outside the range the protocol uses (4400–4409, 4429, 4499, 4500, 4504),
 * so that clients do not mistake a limit for a protocol violation. graphql-ws's client gives up
 * on 4401 (a new token is needed) and retries, with backoff, on every other code here.
 */
export enum CloseCode {
  /** No valid token in `connection_init`, or the connection's token stopped being valid (revoked, expired, disabled, its owner removed). Do not retry with the same token. */
  Unauthorized = 4401,
  /** The token is valid but may not hold a connection. */
  Forbidden = 4403,
  /** Too many failed authentications from this client address: retry after the minute passes (the close reason says when). */
  TooManyAuthenticationFailures = 4420,
  /** This token already holds the most connections one instance allows (TESSERA_MAX_CONNECTIONS_PER_TOKEN): close one, or retry later. */
  TooManyConnections = 4421,
  /** The caller's role changed (an administrator changed it): reconnect, and the connection acts with the new role. */
  RoleChanged = 4422,
}
