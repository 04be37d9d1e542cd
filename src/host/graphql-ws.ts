import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { GraphQLError, type DocumentNode, type GraphQLError as GraphQLErrorType, type GraphQLSchema } from 'graphql';
import { WebSocketServer, type WebSocket } from 'ws';
import { CloseCode } from '../../shared/close-codes';
import { Context } from '../context';
import { bearerValue } from '../core/auth/auth-checker';
import type { ClientAddressOf } from '../core/client-address';
import type { Clock } from '../core/clock';
import type { Config } from '../core/config';
import type { Bus } from '../core/events/bus';
import { createErrorFormatter, formatForSocket } from '../core/graphql/format-error';
import { prepareSocketOperation } from '../core/graphql/socket-operation';
import { WS_MAX_PAYLOAD_BYTES } from '../core/http';
import type { Logger } from '../core/logger';
import { whenDone } from '../core/maybe';
import type { Metrics } from '../core/metrics';
import { RateLimitedError } from '../core/rate-limit';
import { sharedSubscribe } from '../notices';
import type { Services } from '../services';
import type { Principal, Verifier } from '../verify';
import { serveGraphqlWs } from './graphql-ws-transport';

/** Longest a timer may be set for (setTimeout's limit); longer waits re-arm. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function earliestOf(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a === null || a === undefined) return b ?? null;
  if (b === null || b === undefined) return a;
  return Math.min(a, b);
}

/** Who a socket authenticated as, and what ends it by itself. */
interface SocketAuth {
  value: string;
  principal: Principal;
  tokenId: string;
  /** Closes the socket when its token stops being valid by itself (expiry, end of grace). */
  expiryTimer?: NodeJS.Timeout;
}

/**
 * The open graphql-ws sockets of this instance: who each authenticated as, how many connections
 * each token holds, how many operations each socket has live, and the rules that close a socket
 * (its token's expiry; an eviction of its token or its owner on the bus, from any instance).
 */
export class SocketRegistry {
  private readonly auth = new Map<WebSocket, SocketAuth>();
  private readonly connectionsPerToken = new Map<string, number>();
  /** Operations live on each socket: started and not yet complete (refused ones never count). */
  private readonly liveOperations = new Map<WebSocket, number>();

  constructor(
    private readonly verifier: Verifier,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
    private readonly limits: { maxConnectionsPerToken: number; maxOperationsPerSocket: number },
  ) {}

  /** How many connections `tokenId` holds here. */
  connectionsOf(tokenId: string): number {
    return this.connectionsPerToken.get(tokenId) ?? 0;
  }

  /** Whether one more connection of `tokenId` fits under the per-token cap. */
  admits(tokenId: string): boolean {
    return this.connectionsOf(tokenId) < this.limits.maxConnectionsPerToken;
  }

  /** Records an authenticated socket; it is closed (4401) when its token's validity ends. */
  add(socket: WebSocket, auth: SocketAuth, validUntil: number | null): void {
    this.connectionsPerToken.set(auth.tokenId, this.connectionsOf(auth.tokenId) + 1);
    this.auth.set(socket, auth);
    this.closeAtExpiry(socket, auth, validUntil);
    this.metrics.websocketConnections.inc();
  }

  /** Forgets a closed socket. */
  remove(socket: WebSocket): void {
    this.liveOperations.delete(socket);
    const auth = this.auth.get(socket);
    if (!auth) return;
    if (auth.expiryTimer) clearTimeout(auth.expiryTimer);
    this.auth.delete(socket);
    this.metrics.websocketConnections.dec();
    const left = this.connectionsOf(auth.tokenId) - 1;
    if (left <= 0) this.connectionsPerToken.delete(auth.tokenId);
    else this.connectionsPerToken.set(auth.tokenId, left);
  }

  /** Counts an operation as live on `socket`, unless the socket already holds the most allowed. */
  startOperation(socket: WebSocket): boolean {
    const live = this.liveOperations.get(socket) ?? 0;
    if (live >= this.limits.maxOperationsPerSocket) return false;
    this.liveOperations.set(socket, live + 1);
    return true;
  }

  /** An operation of `socket` completed (graphql-ws's onComplete, for every operation that started). */
  endOperation(socket: WebSocket): void {
    const live = this.liveOperations.get(socket) ?? 1;
    this.liveOperations.set(socket, Math.max(live - 1, 0));
  }

  /** Re-checks the sockets of evicted tokens or principals: closes those no longer valid (4401) and those whose role changed (4422). */
  evicted(ids: ReadonlySet<string>): void {
    for (const [socket, auth] of this.auth) {
      if (!ids.has(auth.tokenId) && !ids.has(auth.principal.id)) continue;
      void whenDone(this.verifier.authenticate(auth.value), ({ principal }) => {
        if (!principal) socket.close(CloseCode.Unauthorized, 'The token of this connection is no longer valid');
        // Its live operations were authorised with the old role: the client reconnects with the new one.
        else if (principal.role !== auth.principal.role) socket.close(CloseCode.RoleChanged, 'The role of this connection changed: reconnect');
      });
    }
  }

  /** Closes `socket` with 4401 once its value is no longer valid at `validUntil` (by the server's clock). */
  private closeAtExpiry(socket: WebSocket, auth: SocketAuth, validUntil: number | null): void {
    if (validUntil === null) return;
    const wait = Math.min(Math.max(validUntil - this.clock.now().getTime(), 0), MAX_TIMER_MS);
    auth.expiryTimer = setTimeout(() => {
      auth.expiryTimer = undefined;
      if (this.auth.get(socket) !== auth) return;
      void whenDone(this.verifier.authenticate(auth.value), ({ principal, result }) => {
        if (this.auth.get(socket) !== auth) return;
        if (!principal) socket.close(CloseCode.Unauthorized, 'The token of this connection has expired');
        // Not yet (a wait capped at the timer's limit, or a clock that moved differently): re-arm.
        else
          this.closeAtExpiry(
            socket,
            auth,
            Math.max(earliestOf(result.token?.expiresAt, result.token?.validUntil) ?? validUntil, this.clock.now().getTime() + 1),
          );
      });
    }, wait);
    auth.expiryTimer.unref();
  }
}

export interface GraphqlWsParts {
  httpServer: Server;
  schema: GraphQLSchema;
  validate: (schema: GraphQLSchema, document: DocumentNode) => readonly GraphQLErrorType[];
  config: Config;
  services: Services;
  verifier: Verifier;
  bus: Bus;
  clock: Clock;
  metrics: Metrics;
  logger: Logger;
  formatError: ReturnType<typeof createErrorFormatter>;
  clientAddress: ClientAddressOf;
}

/** graphql-ws on the HTTP server's port and path, and what it holds. */
export interface GraphqlWs {
  sockets: SocketRegistry;
  server: WebSocketServer;
  /** Ends every operation and socket (Apollo calls it while draining the HTTP server). */
  drain(): Promise<void>;
  /** Stops accepting sockets. */
  close(): void;
}

/**
 * graphql-ws (`graphql-transport-ws`) at `/graphql`: authentication at `connection_init`, the
 * per-token connection cap and per-socket operation cap, each operation prepared as Apollo
 * prepares an HTTP request, events executed once per audience, and sockets closed when their
 * token stops being valid. Every message is bounded before anything parses it (a larger frame
 * closes the socket with 1009).
 */
export function attachGraphqlWs(parts: GraphqlWsParts): GraphqlWs {
  const { config, services, logger, formatError, clientAddress, schema, validate } = parts;
  const server = new WebSocketServer({ server: parts.httpServer, path: '/graphql', maxPayload: WS_MAX_PAYLOAD_BYTES });
  const sockets = new SocketRegistry(parts.verifier, parts.clock, parts.metrics, {
    maxConnectionsPerToken: config.maxConnectionsPerToken,
    maxOperationsPerSocket: config.maxSubscriptionsPerConnection,
  });
  const cleanup = serveGraphqlWs<Record<string, unknown>, { tessera?: SocketAuth }>(
    {
      schema,
      validate,
      subscribe: sharedSubscribe({
        audienceKey: (contextValue) => {
          const viewer = (contextValue as Context | undefined)?.viewer;
          return viewer ? `${viewer.tenantId}:${viewer.role}` : null;
        },
      }),
      connectionInitWaitTimeout: config.wsInitTimeoutMs,
      context: (ctx) => {
        const auth = ctx.extra.tessera;
        return new Context(services, randomUUID(), auth?.principal ?? null, auth?.tokenId ?? null);
      },
      onConnect: async (ctx) => {
        const value = bearerValue(ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization);
        let authentication;
        try {
          authentication = await services.auth.authenticate(value, clientAddress(ctx.extra.request));
        } catch (error) {
          if (!(error instanceof RateLimitedError)) throw error;
          ctx.extra.socket.close(CloseCode.TooManyAuthenticationFailures, error.message);
          return false;
        }
        const { principal, tokenId, validUntil } = authentication;
        if (!principal || !value || !tokenId) {
          ctx.extra.socket.close(CloseCode.Unauthorized, 'Unauthorized: send { authorization: "Bearer <token>" } in connection_init');
          return false;
        }
        if (!sockets.admits(tokenId)) {
          ctx.extra.socket.close(CloseCode.TooManyConnections, `This token already holds ${sockets.connectionsOf(tokenId)} connections here`);
          return false;
        }
        const auth: SocketAuth = { value, principal, tokenId };
        ctx.extra.tessera = auth;
        sockets.add(ctx.extra.socket, auth, validUntil);
        return true;
      },
      // Parsed, validated and its variables coerced here, so that a mistake is answered to that
      // operation alone (never closing the socket) with the code HTTP gives it. An operation
      // counts against the cap from here until graphql-ws completes it (onComplete runs for every
      // operation this returns arguments for); refused ones never count.
      onSubscribe: (ctx, _id, payload) => {
        const prepared = prepareSocketOperation(schema, validate, payload);
        if (Array.isArray(prepared)) return prepared;
        if (!sockets.startOperation(ctx.extra.socket)) {
          return [
            new GraphQLError(`A connection may hold at most ${config.maxSubscriptionsPerConnection} live operations: complete one first.`, {
              extensions: { code: 'RATE_LIMITED' },
            }),
          ];
        }
        return prepared;
      },
      onError: (_ctx, id, _payload, errors) => formatForSocket(logger, formatError, `ws-${id}`, errors),
      onNext: (_ctx, id, _payload, _args, result) =>
        result.errors?.length ? { ...result, errors: formatForSocket(logger, formatError, `ws-${id}`, result.errors as never) } : result,
      onComplete: (ctx) => sockets.endOperation(ctx.extra.socket),
      onClose: (ctx) => sockets.remove(ctx.extra.socket),
    },
    server,
    logger,
  );

  // A socket whose token stops being valid is closed at once, on every instance.
  parts.bus.onMessage((message) => {
    const ids = new Set(message.evictTokenIds ?? []);
    if (ids.size > 0) sockets.evicted(ids);
  });

  return {
    sockets,
    server,
    async drain() {
      await cleanup.dispose();
    },
    close() {
      server.close();
    },
  };
}
