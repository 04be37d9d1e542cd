import type { IncomingMessage } from 'node:http';
import { CloseCode, handleProtocols, makeServer, type ConnectionInitMessage, type ServerOptions, type WebSocket as ProtocolSocket } from 'graphql-ws';
import type { WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../core/logger';

/** What graphql-ws's callbacks receive about the transport (as `graphql-ws/use/ws` gives them). */
export interface WsExtra {
  readonly socket: WebSocket;
  readonly request: IncomingMessage;
}

/**
 * Bytes a socket may have queued (in `ws` and in the stream under it) before `send` waits for
 * the write to finish. Below it a message is handed to the socket and the operation moves on;
 * above it the operation waits, so a client that stops reading stalls its own operations (their
 * events queue in the dispatcher, which closes a listener that falls too far behind) instead of
 * growing this process's buffers. 64 KiB is about 150 notices.
 */
export const SEND_HIGH_WATER_BYTES = 64 * 1024;

/**
 * The graphql-ws protocol's `send` on a `ws` socket: returns at once while the socket's queue is
 * short, and only past {@link SEND_HIGH_WATER_BYTES} a promise of the write. `graphql-ws/use/ws`
 * returns a promise of every write, so each delivery to each subscriber waited for a write
 * callback (a promise, a callback and a tick per message: notice-delivery measured 10–15% of the
 * fan-out's CPU per delivery). `finish` completes each message's text ({@link payloadOnce}).
 */
function sendOn(socket: WebSocket, finish: (data: string) => string): (data: string) => Promise<void> | void {
  return (message) => {
    const data = finish(message);
    if (socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount < SEND_HIGH_WATER_BYTES) {
      socket.send(data);
      return;
    }
    return new Promise<void>((resolve, reject) => socket.send(data, (error) => (error ? reject(error) : resolve())));
  };
}

const INTERNAL_ERROR = 'Internal server error';

/** Stands for a `next` message's payload while graphql-ws serializes the message around it. */
const PAYLOAD_MARK = '\u0000tessera:payload';
/** How a `next` message serialized with the mark ends (`payload` is its last key). */
const MARKED_END = `,"payload":${JSON.stringify(PAYLOAD_MARK)}}`;

/**
 * Serializes each `next` payload once, however many sockets it goes to: graphql-ws serializes
 * the whole message for every socket, and a shared execution hands the same result object to
 * every listener of an audience (src/notices/shared-execution.ts), which differ only in their
 * operation id. `replacer` is graphql-ws's documented `jsonMessageReplacer`: it puts a mark in
 * the payload's place and remembers the payload's JSON (by object); `finish` puts the JSON back
 * where the mark is, in the message graphql-ws then hands to `send`, synchronously. The text is
 * the same as graphql-ws's own.
 */
export function payloadOnce(): { replacer: (this: unknown, key: string, value: unknown) => unknown; finish: (data: string) => string } {
  const serialized = new WeakMap<object, string>();
  let message: unknown;
  let pending: string | undefined;
  return {
    replacer(this: unknown, key: string, value: unknown): unknown {
      // The first call of a serialization is for the message itself (`finish` ends each one; a
      // serialization that threw leaves `message` set, and the next one then runs unmarked).
      if (message === undefined && key === '') {
        message = value;
        pending = undefined;
        return value;
      }
      if (key !== 'payload' || this !== message || (message as { type?: unknown }).type !== 'next' || !value || typeof value !== 'object') return value;
      let json = serialized.get(value);
      if (json === undefined) serialized.set(value, (json = JSON.stringify(value)));
      pending = json;
      return PAYLOAD_MARK;
    },
    finish(data: string): string {
      const json = pending;
      pending = undefined;
      message = undefined;
      if (json === undefined || !data.endsWith(MARKED_END)) return data;
      return `${data.slice(0, data.length - MARKED_END.length)},"payload":${json}}`;
    },
  };
}

/**
 * graphql-ws (`graphql-transport-ws`) on a `ws` server, built on graphql-ws's `makeServer` (its
 * documented extension point for transports) as `graphql-ws/use/ws` is, with the same keep-alive
 * (a ping every `keepAliveMs`; no pong within as long terminates the socket), and with:
 * - {@link sendOn}: a delivery does not wait for its write while the socket keeps up;
 * - {@link payloadOnce}: a result shared by many sockets is serialized once;
 * - socket and server errors as structured log lines (never stderr stacks a client could
 *   flood), and a generic close reason for internal errors (no internal message to clients).
 */
export function serveGraphqlWs<P extends ConnectionInitMessage['payload'], E extends Record<PropertyKey, unknown>>(
  options: Omit<ServerOptions<P, WsExtra & Partial<E>>, 'jsonMessageReplacer'>,
  ws: WebSocketServer,
  logger: Logger,
  keepAliveMs = 12_000,
): { dispose(): Promise<void> } {
  const payloads = payloadOnce();
  const server = makeServer({ ...options, jsonMessageReplacer: payloads.replacer });
  ws.options.handleProtocols = handleProtocols;
  ws.once('error', (error: Error) => {
    logger.error({ component: 'graphql-ws', err: error.message }, 'websocket server error: closing every socket');
    for (const client of ws.clients) client.close(CloseCode.InternalServerError, INTERNAL_ERROR);
  });

  ws.on('connection', (socket: WebSocket, request: IncomingMessage) => {
    // The client's errors (an oversized frame, a protocol violation): ws has closed the socket already.
    socket.on('error', (error: Error & { code?: string }) => logger.debug({ component: 'graphql-ws', code: error.code, err: error.message }, 'socket error'));
    let pongWait: NodeJS.Timeout | null = null;
    const pingInterval =
      keepAliveMs > 0 && Number.isFinite(keepAliveMs)
        ? setInterval(() => {
            if (socket.readyState !== socket.OPEN) return;
            pongWait = setTimeout(() => socket.terminate(), keepAliveMs);
            socket.once('pong', () => {
              if (pongWait) clearTimeout(pongWait);
              pongWait = null;
            });
            socket.ping();
          }, keepAliveMs)
        : null;
    const protocolSocket: ProtocolSocket = {
      protocol: socket.protocol,
      send: sendOn(socket, payloads.finish),
      close: (code, reason) => socket.close(code, reason),
      onMessage: (handle) =>
        socket.on('message', (data: Buffer) => {
          handle(String(data)).catch((error: unknown) => {
            logger.error({ component: 'graphql-ws', err: error instanceof Error ? error.message : String(error) }, 'message handling failed');
            socket.close(CloseCode.InternalServerError, INTERNAL_ERROR);
          });
        }),
    };
    const closed = server.opened(protocolSocket, { socket, request } as WsExtra & Partial<E>);
    socket.once('close', (code: number, reason: Buffer) => {
      if (pongWait) clearTimeout(pongWait);
      if (pingInterval) clearInterval(pingInterval);
      closed(code, String(reason)).catch((error: unknown) =>
        logger.error({ component: 'graphql-ws', err: error instanceof Error ? error.message : String(error) }, 'closing a socket failed'),
      );
    });
  });

  return {
    async dispose() {
      for (const client of ws.clients) client.close(1001, 'Going away');
      ws.removeAllListeners();
      await new Promise<void>((resolve, reject) => ws.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
