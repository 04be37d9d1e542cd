import type { Server, ServerResponse } from 'node:http';

/** How often a draining server closes the connections that have gone idle since the last look. */
const IDLE_SWEEP_MS = 50;
/** How long requests in flight get before their connections are cut (Apollo's drain plugin waited as long). */
export const DRAIN_GRACE_MS = 10_000;

/**
 * Drains the HTTP server when Tessera stops: it accepts no new connection, closes idle keep-alive
 * connections at once, lets every request in flight finish, and closes each connection once its
 * answer is out (within {@link IDLE_SWEEP_MS}; a request that arrives while draining is answered
 * with `Connection: close`). After {@link DRAIN_GRACE_MS} the connections still open are cut, so a
 * client that never finishes its request (a slow body, a stalled upload) cannot hold the stop.
 *
 * This is what Apollo's drain plugin does, without its bookkeeping on every request (a `request`
 * listener counting per socket and a `finish` listener per answer: about 2 µs of each verify,
 * bench/verify-throughput). Node's server already knows which connections are idle.
 */
export class HttpDrain {
  private draining = false;

  constructor(
    private readonly server: Server,
    private readonly graceMs = DRAIN_GRACE_MS,
  ) {}

  /** Called by the server's handler for every request: while draining, the answer closes its connection. */
  answering(res: ServerResponse): void {
    if (this.draining) res.shouldKeepAlive = false;
  }

  /** Resolves once every connection is closed (WebSockets are closed by their own drain). */
  async drain(): Promise<void> {
    if (!this.server.listening) return;
    this.draining = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    // A connection whose answer was already under way when the drain began stays open for the
    // client's next request; it is closed as soon as it is idle.
    const sweep = setInterval(() => this.server.closeIdleConnections(), IDLE_SWEEP_MS);
    const cut = setTimeout(() => this.server.closeAllConnections(), this.graceMs);
    try {
      await closed;
    } finally {
      clearInterval(sweep);
      clearTimeout(cut);
    }
  }
}
