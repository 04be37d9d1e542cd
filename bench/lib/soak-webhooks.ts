/**
 * The soak's webhook receiver (issue 21: webhooks in the mix): a loopback HTTP server that answers
 * 204 and verifies every delivery with the standardwebhooks reference library, and the check at
 * the end — every event of the window delivered exactly once, every signature good.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface WebhookTally {
  expected: number;
  received: number;
  /** Events delivered (distinct `data.id`). */
  events: number;
  /** Requests for an event already delivered. */
  duplicates: number;
  /** Events of the window never delivered. */
  missing: number;
  /** Requests whose signature did not verify. */
  bad: number;
}

export class SoakReceiver {
  private server?: Server;
  private verifier?: Webhook;
  readonly eventIds: string[] = [];
  bad = 0;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        try {
          const payload = this.verifier!.verify(body, req.headers as Record<string, string>) as { data: { id: string } };
          this.eventIds.push(String(payload.data.id));
        } catch {
          this.bad += 1;
        }
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/soak`;
  }

  /** The endpoint's signing secret, once created. */
  useSecret(secret: string): void {
    this.verifier = new Webhook(secret);
  }

  /** Waits (up to `ms`) until every expected event has arrived, then tallies. */
  async tally(expected: number[], ms: number): Promise<WebhookTally> {
    const wanted = new Set(expected.map(String));
    const deadline = Date.now() + ms;
    while (Date.now() < deadline && [...wanted].some((id) => !this.eventIds.includes(id))) await new Promise((r) => setTimeout(r, 250));
    const seen = new Set(this.eventIds);
    return {
      expected: wanted.size,
      received: this.eventIds.length + this.bad,
      events: seen.size,
      duplicates: this.eventIds.length - seen.size,
      missing: [...wanted].filter((id) => !seen.has(id)).length,
      bad: this.bad,
    };
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
