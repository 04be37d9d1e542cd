/**
 * The baseline for notice-delivery: a plain `ws` server. `POST /publish` with a JSON body parses
 * it, serializes it ONCE and sends the string to every connected client, then answers; `GET
 * /count` answers how many clients are connected.
 */
import { createServer } from 'node:http';
import { WebSocketServer, WebSocket } from 'ws';

/**
 * RAW_BUSY_US: CPU to burn before each send (a spin on the clock), for measuring what a slower
 * sender pays beyond its own work: `RAW_BUSY_US=10 node dist-bench/bench/notice-delivery.js`
 * (the variable reaches the helper through the environment; Tessera ignores it).
 */
const busyMs = Number(process.env.RAW_BUSY_US ?? 0) / 1000;
const spin = (): void => {
  for (const until = performance.now() + busyMs; performance.now() < until;);
};

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/count') {
    res.end(String(wss.clients.size));
    return;
  }
  if (req.method === 'POST' && req.url === '/publish') {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const payload = JSON.stringify(JSON.parse(body));
      let sent = 0;
      for (const client of wss.clients) {
        if (client.readyState === WebSocket.OPEN) {
          if (busyMs > 0) spin();
          client.send(payload);
          sent += 1;
        }
      }
      res.end(String(sent));
    });
    return;
  }
  res.statusCode = 404;
  res.end();
});
const wss = new WebSocketServer({ server });
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.on('SIGTERM', () => {
  for (const client of wss.clients) client.terminate();
  server.close(() => process.exit(0));
});
