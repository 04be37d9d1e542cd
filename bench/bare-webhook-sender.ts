/**
 * The baseline for webhook-delivery: a bare Node process that, on `POST /send { urls, body,
 * secret }`, POSTs the body to every URL with global fetch, 16 at a time, each signed as
 * Standard Webhooks asks (HMAC-SHA256 of id.timestamp.body, its own webhook-id), and answers
 * once every receiver has answered. What a user would write by hand: no storage, no retries.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';

async function send(urls: string[], body: string, secret: string): Promise<number> {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  let next = 0;
  let ok = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < urls.length) {
        const url = urls[next++];
        const id = `msg_${randomUUID()}`;
        const timestamp = Math.floor(Date.now() / 1000);
        const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': `v1,${signature}` },
          body,
        });
        await response.arrayBuffer();
        if (response.ok) ok += 1;
      }
    }),
  );
  return ok;
}

const server = createServer((req, res) => {
  let raw = '';
  req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
  req.on('end', () => {
    const { urls, body, secret } = JSON.parse(raw) as { urls: string[]; body: string; secret: string };
    void send(urls, body, secret).then((ok) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok })));
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
