/**
 * The subscriber side of notice-delivery, in its own process (pinned to the client core by the
 * parent). Commands over IPC:
 *   { cmd: 'connect', target: 'tessera' | 'raw', url, token?, total } → opens clients up to `total`
 *   { cmd: 'arm', target, expect } → counts the next `expect` messages on that target's clients
 *   { cmd: 'close' }
 * Answers { ok } / { done, first, last, count, sample } with times in ms of the monotonic clock
 * (process.hrtime, shared by processes on Linux). Messages are not parsed: both sides do the same
 * work per message.
 */
import WebSocket from 'ws';

const SUBSCRIPTION = 'subscription { revocationNotices { id type occurredAt tenantId actor { type id name } token { tokenId kind name status expiresAt } } }';
const now = (): number => Number(process.hrtime.bigint()) / 1e6;
const send = (message: unknown) => process.send!(message);

const sockets: Record<string, WebSocket[]> = { tessera: [], raw: [] };
let armed: { target: string; expect: number; count: number; first: number; last: number; sample: string } | null = null;

function onDelivery(target: string, data: WebSocket.RawData): void {
  if (!armed || armed.target !== target) return;
  const t = now();
  if (armed.count === 0) {
    armed.first = t;
    armed.sample = data.toString();
  }
  armed.count += 1;
  armed.last = t;
  if (armed.count === armed.expect) {
    const { first, last, count, sample } = armed;
    armed = null;
    send({ done: true, first, last, count, sample });
  }
}

function open(target: string, url: string, token?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = target === 'tessera' ? new WebSocket(url, 'graphql-transport-ws') : new WebSocket(url);
    const timer = setTimeout(() => reject(new Error(`${target} client did not get ready`)), 60_000);
    let ready = false;
    ws.on('error', (error) => (ready ? undefined : reject(error)));
    ws.on('close', (code) => {
      if (!ready) reject(new Error(`${target} client closed with ${code}`));
    });
    ws.on('open', () => {
      if (target === 'raw') {
        ready = true;
        clearTimeout(timer);
        return resolve();
      }
      ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
    });
    ws.on('message', (data) => {
      if (ready) return onDelivery(target, data);
      // graphql-ws: the first message is connection_ack; subscribe then.
      if (!data.toString().includes('connection_ack')) return reject(new Error(`unexpected: ${data.toString()}`));
      ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: SUBSCRIPTION } }));
      ready = true;
      clearTimeout(timer);
      resolve();
    });
    sockets[target].push(ws);
  });
}

process.on('message', async (message: { cmd: string; target: string; url: string; token?: string; total: number; expect: number }) => {
  try {
    if (message.cmd === 'connect') {
      const list = sockets[message.target];
      while (list.length < message.total) {
        const batch = Math.min(100, message.total - list.length);
        await Promise.all(Array.from({ length: batch }, () => open(message.target, message.url, message.token)));
      }
      send({ ok: true, connected: list.length });
    } else if (message.cmd === 'arm') {
      armed = { target: message.target, expect: message.expect, count: 0, first: 0, last: 0, sample: '' };
      send({ ok: true });
    } else if (message.cmd === 'close') {
      for (const list of Object.values(sockets)) for (const ws of list) ws.terminate();
      send({ ok: true });
      setTimeout(() => process.exit(0), 50);
    }
  } catch (error) {
    send({ error: (error as Error).message });
  }
});
process.on('disconnect', () => process.exit(0));
