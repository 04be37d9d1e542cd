import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** A real HTTP receiver on loopback: answers each request with the next status queued (200 when none), and keeps what it got. */
export class Receiver {
  readonly received: { headers: IncomingHttpHeaders; body: string }[] = [];
  readonly answers: number[] = [];
  private server!: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        this.received.push({ headers: req.headers, body });
        const status = this.answers.shift() ?? 200;
        res.writeHead(status, status === 302 ? { location: 'http://127.0.0.1:9/elsewhere' } : {}).end(status < 300 ? 'ok' : 'not now');
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
    return this;
  }

  /** What the receiver got, verified with the Standard Webhooks reference library (throws on a bad signature). */
  verified(secret: string): { id: string; type: string; data: { id: string; type: string; token: { tokenId: string } } }[] {
    const webhook = new Webhook(secret);
    return this.received.map((request) => {
      const payload = webhook.verify(request.body, request.headers as Record<string, string>) as {
        type: string;
        data: { id: string; type: string; token: { tokenId: string } };
      };
      return { id: String(request.headers['webhook-id']), ...payload };
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
