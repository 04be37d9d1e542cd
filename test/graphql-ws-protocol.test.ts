import WebSocket from 'ws';
import { CloseCode } from '../shared/close-codes';
import { CreatePatDocument, OnTokenEventsDocument } from './generated/graphql';
import { BACKENDS, dataOf, lastEventId, startTessera, type TestInstance } from './harness/tessera';

/** The mistakes a client makes, each sent over HTTP and over graphql-ws as the same operation. */
const MISTAKES: { what: string; query: string; variables?: Record<string, unknown>; operationName?: string }[] = [
  { what: 'a mistyped field', query: 'query { tokenEvents(first: 1) { totalCount nope } }' },
  {
    what: 'a wrong enum value in variables',
    query: 'query Q($f: TokenEventFilter) { tokenEvents(first: 1, filter: $f) { totalCount } }',
    variables: { f: { types: ['NOPE'] } },
  },
  { what: 'a missing required variable', query: 'query Q($n: Int!) { tokenEvents(first: $n) { totalCount } }' },
  { what: 'a variable of the wrong type', query: 'query Q($n: Int) { tokenEvents(first: $n) { totalCount } }', variables: { n: 'ten' } },
  { what: 'a syntax error', query: 'query { tokenEvents(first: 1) { totalCount }' },
  { what: 'an unknown operation name', query: 'query A { viewer { id } } query B { viewer { id } }', operationName: 'C' },
];

/** A raw graphql-transport-ws socket: the frames exactly as sent and received. */
class RawSocket {
  readonly frames: { id?: string; type: string; payload?: unknown }[] = [];
  closed: { code: number; reason: string } | null = null;
  private readonly socket: WebSocket;
  private waiters: (() => void)[] = [];

  constructor(url: string) {
    this.socket = new WebSocket(url.replace(/^http/, 'ws') + '/graphql', 'graphql-transport-ws');
    this.socket.on('message', (data) => {
      this.frames.push(JSON.parse(String(data)) as RawSocket['frames'][number]);
      this.waiters.splice(0).forEach((wake) => wake());
    });
    this.socket.on('close', (code, reason) => {
      this.closed = { code, reason: String(reason) };
      this.waiters.splice(0).forEach((wake) => wake());
    });
  }

  async open(token: string): Promise<void> {
    await new Promise((resolve) => this.socket.once('open', resolve));
    this.send({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } });
    await this.frame((frame) => frame.type === 'connection_ack');
  }

  send(frame: object): void {
    this.socket.send(JSON.stringify(frame));
  }

  /** The first frame (received so far or later) that matches. */
  async frame(match: (frame: RawSocket['frames'][number]) => boolean, timeoutMs = 5000): Promise<RawSocket['frames'][number]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.find(match);
      if (found) return found;
      if (this.closed) throw new Error(`socket closed ${JSON.stringify(this.closed)} before the frame`);
      if (Date.now() > deadline) throw new Error(`no such frame in time; got ${JSON.stringify(this.frames.map((f) => [f.id, f.type]))}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }

  close(): void {
    this.socket.close();
  }
}

describe.each(BACKENDS)('graphql-ws as clients speak it, on %s', (backend) => {
  let tessera: TestInstance;

  beforeAll(async () => {
    tessera = await startTessera({ backend, env: { TESSERA_MAX_SUBSCRIPTIONS_PER_CONNECTION: '2' } });
  });

  afterAll(async () => {
    await tessera?.close();
  });

  it('should answer each client mistake with the code HTTP gives it, on that operation alone, logging no error', async () => {
    const socket = new RawSocket(tessera.url);
    await socket.open(tessera.adminToken);
    const logged = tessera.logs.length;
    for (const [index, mistake] of MISTAKES.entries()) {
      const overHttp = await tessera.raw({ query: mistake.query, variables: mistake.variables, operationName: mistake.operationName });
      const httpError = overHttp.body.errors?.[0] as { extensions?: Record<string, unknown> } | undefined;
      socket.send({
        id: `m${index}`,
        type: 'subscribe',
        payload: { query: mistake.query, variables: mistake.variables, operationName: mistake.operationName },
      });
      const frame = await socket.frame((candidate) => candidate.id === `m${index}`);
      const wsError = (frame.payload as { extensions?: Record<string, unknown> }[])[0];
      expect({ what: mistake.what, type: frame.type, code: wsError?.extensions?.code, reason: wsError?.extensions?.reason }).toEqual({
        what: mistake.what,
        type: 'error',
        code: 'BAD_USER_INPUT',
        reason: httpError?.extensions?.reason,
      });
      expect(httpError?.extensions?.code).toBe('BAD_USER_INPUT');
    }
    // Still open and answering: a valid query on the same socket.
    socket.send({ id: 'ok', type: 'subscribe', payload: { query: '{ viewer { role } }' } });
    expect((await socket.frame((frame) => frame.id === 'ok' && frame.type === 'next')).payload).toEqual({ data: { viewer: { role: 'ADMIN' } } });
    expect(socket.closed).toBeNull();
    // Client mistakes are not the server's errors: nothing at warn or error level, no stacks.
    const lines = tessera.logs.slice(logged);
    expect(lines.filter((line) => /"level":(40|50|60)/.test(line))).toEqual([]);
    expect(lines.filter((line) => line.includes('"stack"'))).toEqual([]);
    socket.close();
  });

  it("should keep a socket's live subscriptions when another subscribe on it does not parse", async () => {
    const client = tessera.ws();
    const live = client.subscribe(OnTokenEventsDocument, { after: await lastEventId(tessera) });
    const broken = await new Promise<unknown>((resolve) => {
      client.client.subscribe({ query: 'subscription { tokenEvents { id }' }, { next: () => undefined, error: resolve, complete: () => resolve('completed') });
    });
    expect(JSON.stringify(broken)).toContain('GRAPHQL_PARSE_FAILED');
    const pat = dataOf(await tessera.gql(CreatePatDocument, { input: { name: 'after a broken subscribe' } })).createPersonalAccessToken.token;
    const event = await live.value();
    expect(event.tokenEvents).toMatchObject({ type: 'CREATED' });
    expect(JSON.stringify(event)).toContain(pat.id);
    expect(client.closes).toEqual([]);
    live.unsubscribe();
    await client.dispose();
  });

  it('should count only live operations against the per-connection cap', async () => {
    const socket = new RawSocket(tessera.url);
    await socket.open(tessera.adminToken);
    // Refused operations (more than the cap of 2) and finished queries hold nothing.
    for (let i = 0; i < 6; i += 1) socket.send({ id: `bad${i}`, type: 'subscribe', payload: { query: 'subscription { nope }' } });
    await socket.frame((frame) => frame.id === 'bad5' && frame.type === 'error');
    for (let i = 0; i < 3; i += 1) {
      socket.send({ id: `q${i}`, type: 'subscribe', payload: { query: '{ viewer { id } }' } });
      await socket.frame((frame) => frame.id === `q${i}` && frame.type === 'complete');
    }
    const subscribe = (id: string) => socket.send({ id, type: 'subscribe', payload: { query: 'subscription { tokenEvents { id } }' } });
    subscribe('s1');
    subscribe('s2');
    subscribe('s3');
    const refused = await socket.frame((frame) => frame.id === 's3');
    expect(refused.type).toBe('error');
    expect(JSON.stringify(refused.payload)).toContain('RATE_LIMITED');
    // Completing one frees its place.
    socket.send({ id: 's1', type: 'complete' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    subscribe('s4');
    dataOf(await tessera.gql(CreatePatDocument, { input: { name: 'counted' } }));
    const delivered = await socket.frame((frame) => frame.id === 's4' && frame.type === 'next');
    expect(delivered.payload).toEqual({ data: { tokenEvents: { id: expect.any(String) } } });
    expect(socket.frames.some((frame) => frame.id === 's4' && frame.type === 'error')).toBe(false);
    socket.close();
  });

  it('should close with its own documented codes, which graphql-ws clients may retry', () => {
    // 4401/4403 are the protocol's; Tessera's limits use codes the protocol does not.
    const protocolCodes = [4400, 4401, 4403, 4406, 4408, 4409, 4429, 4499, 4500, 4504];
    expect(protocolCodes).not.toContain(CloseCode.TooManyAuthenticationFailures);
    expect(protocolCodes).not.toContain(CloseCode.TooManyConnections);
    expect(new Set(Object.values(CloseCode)).size).toBe(Object.values(CloseCode).length);
  });
});
