import { Agent, createServer, request, type ClientRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpDrain } from '../src/host/http-drain';
import type { Socket } from 'node:net';
import { startTessera } from './harness/tessera';

/**
 * Stopping an instance (a rolling deploy): a request in flight is answered, and its connection
 * then closes; idle keep-alive connections close at once; no new connection is accepted; and the
 * stop completes. Served by src/host/http-drain.ts, over real sockets.
 */
describe('draining HTTP on stop', () => {
  it('answers the request in flight, closes idle and finished connections, and refuses new ones', async () => {
    const tessera = await startTessera({ backend: 'sqlite' });
    const { port } = new URL(tessera.url);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const closedSockets = new Set<Socket>();
    const watch = (req: ClientRequest) => req.on('socket', (socket: Socket) => socket.once('close', () => closedSockets.add(socket)));
    const answer = (req: ClientRequest) =>
      new Promise<{ res: IncomingMessage; body: string }>((resolve, reject) => {
        req.on('response', (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve({ res, body }));
        });
        req.on('error', reject);
      });
    try {
      // An idle keep-alive connection: one request answered, the socket kept.
      const idle = request(`${tessera.url}/healthz`, { agent });
      watch(idle);
      const idleSocket = new Promise<Socket>((resolve) => idle.on('socket', resolve));
      idle.end();
      expect((await answer(idle)).res.statusCode).toBe(200);
      // A request in flight: its headers sent, half of its body still to come (its own connection).
      const body = JSON.stringify({ query: '{ viewer { id } }' });
      const inFlight = request(`${tessera.url}/graphql`, {
        method: 'POST',
        agent: new Agent({ keepAlive: true }),
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${tessera.adminToken}` },
      });
      watch(inFlight);
      const inFlightSocket = new Promise<Socket>((resolve) => inFlight.on('socket', resolve));
      const answered = answer(inFlight);
      inFlight.write(body.slice(0, 10));
      await new Promise((resolve) => setTimeout(resolve, 100));

      const stopped = tessera.close();
      // The idle connection closes at once, while the other request is still in flight.
      const idleClosed = await idleSocket;
      for (let waited = 0; !closedSockets.has(idleClosed) && waited < 2000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(closedSockets.has(idleClosed)).toBe(true);
      expect(closedSockets.has(await inFlightSocket)).toBe(false);
      // No new connection.
      await expect(
        new Promise((resolve, reject) =>
          request({ host: '127.0.0.1', port, path: '/healthz', agent: false }).on('response', resolve).on('error', reject).end(),
        ),
      ).rejects.toMatchObject({ code: 'ECONNREFUSED' });

      // The request in flight is answered, its connection then closes, and the stop completes.
      inFlight.end(body.slice(10));
      const { res, body: text } = await answered;
      expect(res.statusCode).toBe(200);
      expect(JSON.parse(text)).toMatchObject({ data: { viewer: { id: expect.any(String) } } });
      await stopped;
      const finished = await inFlightSocket;
      for (let waited = 0; !closedSockets.has(finished) && waited < 2000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(closedSockets.has(finished)).toBe(true);
    } finally {
      agent.destroy();
    }
  });

  it('cuts a request that never completes once the grace period is over, so the stop completes', async () => {
    // A plain server with the drain Tessera uses, and a grace of 300 ms instead of 10 s.
    const server = createServer((req, res) => req.on('end', () => res.end('ok')).resume());
    const drain = new HttpDrain(server, 300);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const stalled = request({
      host: '127.0.0.1',
      port: (server.address() as AddressInfo).port,
      method: 'POST',
      path: '/',
      headers: { 'content-length': '100' },
    });
    const failed = new Promise<NodeJS.ErrnoException>((resolve) => stalled.on('error', resolve));
    stalled.write('only part of the body');
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Without the cut the stop would wait for a body that never comes.
    await drain.drain();
    expect(server.listening).toBe(false);
    expect((await failed).code).toBe('ECONNRESET');
  });
});
