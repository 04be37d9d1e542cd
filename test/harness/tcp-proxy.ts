/**
 * A loopback TCP proxy for fault tests: forwards every connection to a port on 127.0.0.1, and can
 * HOLD all traffic (a partition: nothing is refused or closed, bytes just stop arriving, in both
 * directions) and release it again (what was held is then delivered, in order).
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  /** The proxy's own port on 127.0.0.1. */
  port: number;
  /** `redis://127.0.0.1:<port>`, for a proxy in front of Redis. */
  url: string;
  /** Stops forwarding (buffering what arrives) on every connection, open and new. */
  hold(): void;
  /** Forwards what was held, then everything again. */
  release(): void;
  close(): Promise<void>;
}

/** One direction of one connection: forwards or queues. */
class Gate {
  private readonly queue: Buffer[] = [];

  constructor(
    private readonly to: Socket,
    private readonly isHeld: () => boolean,
  ) {}

  push(chunk: Buffer): void {
    if (this.isHeld()) this.queue.push(chunk);
    else this.to.write(chunk);
  }

  flush(): void {
    for (const chunk of this.queue.splice(0)) this.to.write(chunk);
  }
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  let held = false;
  const gates = new Set<Gate>();
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    const up = new Gate(upstream, () => held);
    const down = new Gate(client, () => held);
    gates.add(up);
    gates.add(down);
    sockets.add(client);
    sockets.add(upstream);
    client.on('data', (chunk: Buffer) => up.push(chunk));
    upstream.on('data', (chunk: Buffer) => down.push(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
      gates.delete(up);
      gates.delete(down);
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const socket of [client, upstream]) {
      socket.on('error', end);
      socket.on('close', end);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    hold() {
      held = true;
    },
    release() {
      held = false;
      for (const gate of gates) gate.flush();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
