/**
 * The subscriber side of the soak benchmark, in its own process (pinned to the client core by the
 * parent). Raw `ws` with the graphql-transport-ws protocol: one `tokenEvents` subscription per
 * socket, every socket holding only counters (no per-socket list of ids), so 5,000 of them stay
 * light. Commands over IPC, each answered with one message:
 *   { cmd: 'connect', urls, total, token, after } → opens `total` sockets, round-robin over `urls`
 *   { cmd: 'status' }   → totals: received, lowest/highest last id, problems, this process's RSS
 *   { cmd: 'report', ids } → checks every socket against the expected ids (the event history, in
 *                         order) and returns the figures (see `report` below)
 *   { cmd: 'close' }
 */
import WebSocket from 'ws';

const SUBSCRIPTION = 'subscription($after: ID) { tokenEvents(after: $after) { id type occurredAt token { tokenId } } }';
const send = (message: unknown) => process.send!(message);

/** Order-sensitive hash of a sequence of event ids. */
function step(hash: number, id: number): number {
  return (Math.imul(hash, 1_000_003) + id) | 0;
}

interface Sub {
  index: number;
  target: number;
  ws: WebSocket;
  received: number;
  lastId: number;
  hash: number;
  /** One bit per event id after `after` (the ids this socket received): exact duplicates and gaps at 1 bit per event. */
  seen: Uint8Array;
  /** An id received before. */
  duplicates: number;
  /** A first delivery below an id already received (out of order). */
  backwards: number;
  errors: string[];
  completes: number;
  closed: string | null;
}

const subs: Sub[] = [];
/** The subscribers' `after`: bit i of a socket's `seen` is event id after + 1 + i. */
let base = 0;
/** Per event id: deliveries, first and last arrival (wall clock ms), and occurredAt. */
const perEvent = new Map<number, { n: number; first: number; last: number; occurred: number; type: string }>();
let unparsable = 0;
let closing = false;

function onData(sub: Sub, data: WebSocket.RawData): void {
  const at = Date.now();
  let message: {
    id?: string;
    type: string;
    payload?: { data?: { tokenEvents?: { id: string; type: string; occurredAt: string } }; errors?: unknown } | unknown[];
  };
  try {
    message = JSON.parse(data.toString());
  } catch {
    unparsable += 1;
    return;
  }
  if (message.type === 'next') {
    const payload = message.payload as { data?: { tokenEvents?: { id: string; type: string; occurredAt: string } }; errors?: unknown };
    const event = payload?.data?.tokenEvents;
    if (!event || payload.errors) {
      sub.errors.push(`next without event: ${JSON.stringify(payload).slice(0, 300)}`);
      return;
    }
    const id = Number(event.id);
    const bit = id - base - 1;
    if (bit < 0) {
      sub.errors.push(`event ${id} at or before the after id ${base}`);
    } else {
      if (bit >= sub.seen.length * 8) {
        const grown = new Uint8Array(Math.max(sub.seen.length * 2, (bit >> 3) + 1));
        grown.set(sub.seen);
        sub.seen = grown;
      }
      if (sub.seen[bit >> 3] & (1 << (bit & 7))) sub.duplicates += 1;
      else {
        sub.seen[bit >> 3] |= 1 << (bit & 7);
        if (id < sub.lastId) sub.backwards += 1;
      }
    }
    sub.received += 1;
    sub.hash = step(sub.hash, id);
    if (id > sub.lastId) sub.lastId = id;
    const seen = perEvent.get(id);
    if (seen) {
      seen.n += 1;
      seen.last = at;
    } else perEvent.set(id, { n: 1, first: at, last: at, occurred: Date.parse(event.occurredAt), type: event.type });
  } else if (message.type === 'ping') {
    sub.ws.send('{"type":"pong"}');
  } else if (message.type === 'error') {
    sub.errors.push(`error: ${JSON.stringify(message.payload).slice(0, 300)}`);
  } else if (message.type === 'complete') {
    sub.completes += 1;
  } else if (message.type !== 'pong') {
    sub.errors.push(`unexpected message: ${data.toString().slice(0, 300)}`);
  }
}

function open(index: number, target: number, url: string, token: string, after: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, 'graphql-transport-ws');
    const sub: Sub = {
      index,
      target,
      ws,
      received: 0,
      lastId: 0,
      hash: 0,
      seen: new Uint8Array(256),
      duplicates: 0,
      backwards: 0,
      errors: [],
      completes: 0,
      closed: null,
    };
    const timer = setTimeout(() => reject(new Error(`subscriber ${index} did not get ready`)), 60_000);
    let ready = false;
    ws.on('error', (error) => {
      if (!ready) reject(error);
      else sub.errors.push(`socket error: ${error.message}`);
    });
    ws.on('close', (code, reason) => {
      sub.closed = `${code} ${reason.toString()}`;
      if (!ready) reject(new Error(`subscriber ${index} closed with ${code} ${reason.toString()}`));
    });
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
    ws.on('message', (data) => {
      if (ready) return onData(sub, data);
      // graphql-ws: the first message is connection_ack; subscribe then.
      if (!data.toString().includes('connection_ack')) return reject(new Error(`unexpected: ${data.toString()}`));
      ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: SUBSCRIPTION, variables: { after } } }));
      ready = true;
      clearTimeout(timer);
      subs.push(sub);
      resolve();
    });
  });
}

const problems = (s: Sub) => s.errors.length > 0 || s.completes > 0 || s.closed !== null || s.duplicates > 0 || s.backwards > 0;

function status() {
  let received = 0;
  let minLast = Infinity;
  let maxLast = 0;
  let withProblems = 0;
  let open = 0;
  for (const s of subs) {
    received += s.received;
    minLast = Math.min(minLast, s.lastId);
    maxLast = Math.max(maxLast, s.lastId);
    if (problems(s)) withProblems += 1;
    if (s.ws.readyState === WebSocket.OPEN) open += 1;
  }
  return { sockets: subs.length, open, received, minLast: subs.length ? minLast : 0, maxLast, withProblems, unparsable, rss: process.memoryUsage.rss() };
}

/**
 * Checks every socket against `ids` (the expected event ids, in order): a socket is complete when
 * it received each of them exactly once, in that order (its bitmap holds exactly those ids, no
 * duplicate, never a first delivery below an earlier id, order-sensitive hash equal) and saw no
 * error, complete or close. Totals: expected deliveries missing, duplicates, unexpected ids. Per
 * event: the delivery lag (arrival − occurredAt) of the first and of the last socket.
 */
function report(ids: number[]) {
  let hash = 0;
  for (const id of ids) hash = step(hash, id);
  const expectedBits = new Uint8Array(Math.max(1, ((ids.length ? ids[ids.length - 1] - base : 0) >> 3) + 1));
  for (const id of ids) {
    const bit = id - base - 1;
    if (bit >= 0) expectedBits[bit >> 3] |= 1 << (bit & 7);
  }
  let complete = 0;
  let missing = 0;
  let unexpected = 0;
  const unexpectedIds = new Set<number>();
  const failures: string[] = [];
  const byTarget = new Map<number, { sockets: number; complete: number }>();
  for (const s of subs) {
    let sMissing = 0;
    for (const id of ids) {
      const bit = id - base - 1;
      if (bit < 0 || bit >= s.seen.length * 8 || !(s.seen[bit >> 3] & (1 << (bit & 7)))) sMissing += 1;
    }
    let sUnexpected = 0;
    for (let byte = 0; byte < s.seen.length; byte += 1) {
      const extra = s.seen[byte] & ~(expectedBits[byte] ?? 0);
      if (!extra) continue;
      for (let b = 0; b < 8; b += 1) {
        if (extra & (1 << b)) {
          sUnexpected += 1;
          if (unexpectedIds.size < 10) unexpectedIds.add(base + 1 + byte * 8 + b);
        }
      }
    }
    missing += sMissing;
    unexpected += sUnexpected;
    const ok = sMissing === 0 && sUnexpected === 0 && s.received === ids.length && s.hash === hash && !problems(s);
    const t = byTarget.get(s.target) ?? { sockets: 0, complete: 0 };
    t.sockets += 1;
    if (ok) {
      complete += 1;
      t.complete += 1;
    } else if (failures.length < 10) {
      failures.push(
        `socket ${s.index} (target ${s.target}): received ${s.received}/${ids.length}, missing ${sMissing}, duplicates ${s.duplicates}, unexpected ${sUnexpected}, out of order ${s.backwards}, order hash ${s.hash === hash ? 'equal' : 'differs'}, last id ${s.lastId}, completes ${s.completes}, closed ${s.closed ?? 'no'}, errors ${s.errors.slice(0, 3).join(' | ') || 'none'}`,
      );
    }
    byTarget.set(s.target, t);
  }
  const lagFirst: { occurred: number; ms: number }[] = [];
  const lagLast: { occurred: number; ms: number }[] = [];
  const types: Record<string, number> = {};
  for (const id of ids) {
    const e = perEvent.get(id);
    if (e) {
      lagFirst.push({ occurred: e.occurred, ms: e.first - e.occurred });
      lagLast.push({ occurred: e.occurred, ms: e.last - e.occurred });
    }
    const type = e?.type ?? '(never delivered)';
    types[type] = (types[type] ?? 0) + 1;
  }
  return {
    sockets: subs.length,
    complete,
    byTarget: [...byTarget.entries()].map(([target, t]) => ({ target, ...t })),
    failures,
    missing,
    duplicates: subs.reduce((a, s) => a + s.duplicates, 0),
    unexpected,
    unexpectedSample: [...unexpectedIds],
    backwards: subs.reduce((a, s) => a + s.backwards, 0),
    errors: subs.reduce((a, s) => a + s.errors.length, 0),
    completes: subs.reduce((a, s) => a + s.completes, 0),
    closed: subs.filter((s) => s.closed !== null).length,
    unparsable,
    types,
    lagFirst,
    lagLast,
    rss: process.memoryUsage.rss(),
  };
}

process.on('message', async (message: { cmd: string; urls: string[]; total: number; token: string; after: string; ids: number[] }) => {
  try {
    if (message.cmd === 'connect') {
      const started = Date.now();
      base = Number(message.after);
      let index = subs.length;
      while (subs.length < message.total) {
        const batch = Math.min(100, message.total - subs.length);
        await Promise.all(
          Array.from({ length: batch }, () => {
            const i = index++;
            const target = i % message.urls.length;
            return open(i, target, message.urls[target], message.token, message.after);
          }),
        );
      }
      send({ ok: true, connected: subs.length, ms: Date.now() - started });
    } else if (message.cmd === 'status') {
      send(status());
    } else if (message.cmd === 'report') {
      send(report(message.ids));
    } else if (message.cmd === 'close') {
      closing = true;
      for (const s of subs) s.ws.terminate();
      send({ ok: true });
      setTimeout(() => process.exit(0), 50);
    }
  } catch (error) {
    send({ error: (error as Error).message });
  }
});
process.on('disconnect', () => {
  if (!closing) process.exit(0);
});
