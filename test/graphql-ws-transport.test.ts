import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSchema } from 'graphql';
import { MessageType, stringifyMessage, type Message } from 'graphql-ws';
import WebSocket, { WebSocketServer } from 'ws';
import { payloadOnce, serveGraphqlWs, SEND_HIGH_WATER_BYTES } from '../src/host/graphql-ws-transport';
import { createLogger } from '../src/core/logger';

/**
 * Tessera's graphql-ws transport (src/host/graphql-ws-transport.ts) on a real `ws` server with a
 * real client, on a schema of its own: a delivery does not wait for its write while the client
 * keeps up, yet a client that stops reading stops its operation from pulling events (they stay
 * with the dispatcher, which bounds them), and the keep-alive ends a client that never answers.
 */
describe('the graphql-ws transport', () => {
  const BIG = 'x'.repeat(128 * 1024);
  const schema = buildSchema('type Query { ok: Boolean } type Subscription { big: String }');
  let pulls = 0;
  const LIMIT = 400;
  // Each event is a 128 KiB string; a client that never reads could take only a few before every buffer is full.
  const subscribe = () =>
    (async function* () {
      for (let i = 0; i < LIMIT; i += 1) {
        pulls += 1;
        yield { big: BIG };
      }
    })();
  const rootValue = { big: subscribe };

  let http: Server;
  let wss: WebSocketServer;
  let transport: { dispose(): Promise<void> };
  let url: string;

  async function start(keepAliveMs: number): Promise<void> {
    http = createServer();
    wss = new WebSocketServer({ server: http, path: '/graphql' });
    transport = serveGraphqlWs({ schema, roots: { subscription: rootValue } as never }, wss, createLogger('silent'), keepAliveMs);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}/graphql`;
  }

  afterEach(async () => {
    await transport.dispose();
    await new Promise((resolve) => http.close(resolve));
  });

  async function subscribed(options: WebSocket.ClientOptions = {}): Promise<{ socket: WebSocket; received: () => number }> {
    const socket = new WebSocket(url, 'graphql-transport-ws', options);
    let count = 0;
    const acked = new Promise<void>((resolve, reject) => {
      socket.on('message', (data) => {
        const frame = JSON.parse(String(data)) as { type: string };
        if (frame.type === 'connection_ack') resolve();
        if (frame.type === 'next') count += 1;
      });
      socket.once('close', (code) => reject(new Error(`closed with ${code}`)));
    });
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init' }));
    await acked;
    return { socket, received: () => count };
  }

  const until = async (what: string, check: () => boolean, ms = 10_000) => {
    const deadline = Date.now() + ms;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`${what}: not in time`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  it('stops pulling events for a client that stops reading, and delivers them all once it reads again', async () => {
    await start(0);
    pulls = 0;
    const { socket, received } = await subscribed();
    socket.pause();
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription { big }' } }));
    // The operation pulls until the socket's buffers are full, then waits on its write.
    let last = -1;
    await until('the operation stalls', () => {
      const stalled = pulls > 0 && pulls === last;
      last = pulls;
      return stalled;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stalledAt = pulls;
    expect(pulls).toBe(last);
    // Kernel buffers hold a few MiB of 128 KiB messages; the transport queues at most SEND_HIGH_WATER_BYTES more.
    expect(stalledAt).toBeLessThan(LIMIT / 2);
    expect(received()).toBe(0);
    socket.resume();
    await until('every event delivered', () => received() === LIMIT, 30_000);
    expect(pulls).toBe(LIMIT);
    socket.close();
  });

  it('holds at most the high-water mark and two messages in this process for a client that is not reading', async () => {
    await start(0);
    const { socket } = await subscribed();
    socket.pause();
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription { big }' } }));
    await until('the server socket has a queue', () => [...wss.clients].some((client) => client.bufferedAmount >= SEND_HIGH_WATER_BYTES));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const [server] = [...wss.clients];
    // One message sent below the mark, and the one whose write is then awaited (plus their frame and envelope).
    expect(server.bufferedAmount).toBeLessThan(SEND_HIGH_WATER_BYTES + 2 * (BIG.length + 1024));
    socket.terminate();
  });

  it('terminates a client that does not answer pings, and keeps one that does', async () => {
    await start(100);
    const silent = await subscribed({ autoPong: false });
    const polite = await subscribed();
    const silentClosed = new Promise<number>((resolve) => silent.socket.once('close', resolve));
    // Terminated, not closed with a code: 1006 on the client.
    expect(await silentClosed).toBe(1006);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(polite.socket.readyState).toBe(WebSocket.OPEN);
    polite.socket.close();
  });
});

describe('serializing a shared payload once', () => {
  const tricky = { data: { a: { payload: 'x', '': { type: 'next', payload: { b: 1 } } }, s: '\u0000tessera:payload "quoted" \\ end' } };
  const messages: Message[] = [
    { type: MessageType.ConnectionAck, payload: { payload: 1 } },
    { id: 'op-1', type: MessageType.Next, payload: tricky },
    { id: '\u0000tessera:payload","payload":"\u0000tessera:payload', type: MessageType.Next, payload: { data: { ok: true } } },
    { id: 'op-2', type: MessageType.Error, payload: [{ message: 'no', extensions: { '': { type: 'next', payload: { c: 2 } } } }] },
    { id: 'op-3', type: MessageType.Complete },
    { type: MessageType.Ping },
  ];

  it("writes exactly graphql-ws's own text for every kind of message", () => {
    const once = payloadOnce();
    for (const message of messages) expect(once.finish(stringifyMessage(message, once.replacer))).toBe(stringifyMessage(message));
  });

  it('serializes a payload object once for every socket it goes to', () => {
    const once = payloadOnce();
    let serialized = 0;
    const shared = {
      get data() {
        serialized += 1;
        return { n: 1 };
      },
    };
    const texts = ['a', 'b', 'c'].map((id) => once.finish(stringifyMessage({ id, type: MessageType.Next, payload: shared as never }, once.replacer)));
    expect(texts).toEqual(['a', 'b', 'c'].map((id) => JSON.stringify({ id, type: 'next', payload: { data: { n: 1 } } })));
    expect(serialized).toBe(1);
  });

  it('recovers after a serialization that threw', () => {
    const once = payloadOnce();
    const bad = { id: 'x', type: MessageType.Next, payload: { data: { n: 1n } } } as unknown as Message;
    expect(() => stringifyMessage(bad, once.replacer)).toThrow(TypeError);
    for (const message of [...messages, ...messages]) expect(once.finish(stringifyMessage(message, once.replacer))).toBe(stringifyMessage(message));
  });
});
