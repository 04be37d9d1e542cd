/**
 * The baseline for verify-throughput: a bare Node `http` server that reads the request body and
 * answers with a fixed JSON body (the same bytes Tessera answers for the cached token), with the
 * same content-type and cache-control headers. Body from BARE_BODY; BARE_BUSY_US below.
 */
import { createServer } from 'node:http';

const body = Buffer.from(process.env.BARE_BODY ?? '{"ok":true}');
/**
 * BARE_BUSY_US: CPU to burn per request before answering (a spin on the clock), for measuring
 * what a slower server pays beyond its own work (verify-throughput --tax).
 */
const busyMs = Number(process.env.BARE_BUSY_US ?? 0) / 1000;
const spin = (): void => {
  for (const until = performance.now() + busyMs; performance.now() < until;);
};
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    if (busyMs > 0) spin();
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': body.length });
    res.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
