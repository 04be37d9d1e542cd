/**
 * The receiver for webhook-delivery: answers every POST 204 and counts them, with the wall-clock
 * time of the latest. `GET /count` answers `{ count, last }`; `POST /reset` zeroes it.
 */
import { createServer } from 'node:http';

let count = 0;
let last = 0;
const server = createServer((req, res) => {
  req.on('data', () => undefined);
  req.on('end', () => {
    if (req.method === 'GET' && req.url === '/count') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ count, last }));
      return;
    }
    if (req.method === 'POST' && req.url === '/reset') {
      count = 0;
      last = 0;
      res.writeHead(204).end();
      return;
    }
    count += 1;
    last = Date.now();
    res.writeHead(204).end();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
