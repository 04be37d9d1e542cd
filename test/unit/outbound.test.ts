import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loopbackOnly } from '../harness/loopback-only';
import { DestinationNotAllowedError, OutboundAllowList, OutboundPolicy, isPublicAddress, type HostResolver } from '../../src/core/outbound';

describe('outbound address rules', () => {
  it.each([
    '127.0.0.1',
    '127.255.0.9',
    '10.0.0.5',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '0.0.0.0',
    '100.64.0.1',
    '192.0.2.1',
    '198.18.0.1',
    '224.0.0.1',
    '255.255.255.255',
    '240.0.0.1',
    '::',
    '::1',
    '[::1]',
    '::ffff:127.0.0.1',
    '::ffff:a9fe:a9fe',
    '::ffff:10.0.0.5',
    '::7f00:1',
    '64:ff9b::a00:5',
    '2002:a00:5::',
    'fc00::',
    'fd12::1',
    'fe80::1',
    'ff02::1',
    'localhost',
    'not an address',
  ])('should not count %s as public', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(['8.8.8.8', '93.184.216.34', '172.32.0.1', '2606:4700::1111', '::ffff:8.8.8.8'])('should count %s as public', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });
});

describe('outbound allow list', () => {
  it('should allow nothing when empty', () => {
    const list = OutboundAllowList.parse('');
    expect(list.size).toBe(0);
    expect(list.allowsHost('localhost', 80)).toBe(false);
    expect(list.allowsAddress('127.0.0.1', 80)).toBe(false);
  });

  it('should match host names case-insensitively, on any port or the one given', () => {
    const list = OutboundAllowList.parse('idp.internal, auth.corp:8443');
    expect(list.allowsHost('IDP.Internal', 1234)).toBe(true);
    expect(list.allowsHost('idp.internal.', 443)).toBe(true);
    expect(list.allowsHost('auth.corp', 8443)).toBe(true);
    expect(list.allowsHost('auth.corp', 443)).toBe(false);
    expect(list.allowsHost('sub.idp.internal', 443)).toBe(false);
    expect(list.allowsAddress('10.0.0.5', 443)).toBe(false);
  });

  it('should match addresses and CIDR ranges, IPv4-mapped IPv6 as its IPv4 address', () => {
    const list = OutboundAllowList.parse('10.0.0.0/8,192.168.1.10:8080,fd00::/8,[::1]:9000,::ffff:172.16.0.0/108');
    expect(list.allowsAddress('10.200.3.4', 1)).toBe(true);
    expect(list.allowsAddress('::ffff:10.0.0.5', 443)).toBe(true);
    expect(list.allowsAddress('11.0.0.1', 443)).toBe(false);
    expect(list.allowsAddress('192.168.1.10', 8080)).toBe(true);
    expect(list.allowsAddress('192.168.1.10', 8081)).toBe(false);
    expect(list.allowsAddress('fd12::1', 443)).toBe(true);
    expect(list.allowsAddress('::1', 9000)).toBe(true);
    expect(list.allowsAddress('::1', 9001)).toBe(false);
    expect(list.allowsAddress('172.16.5.5', 443)).toBe(true);
    expect(list.allowsHost('10.200.3.4', 443)).toBe(false);
  });

  it.each(['http://idp', 'idp:0', 'idp:65536', 'idp:80:90', '10.0.0.0/33', 'fd00::/129', '[10.0.0.1]', '[::1]:x', 'bad_host', '-idp', '1.2.3', '*.corp'])(
    'should refuse the entry %j with one sentence',
    (entry) => {
      expect(() => OutboundAllowList.parse(entry)).toThrow(new RegExp(`^${JSON.stringify(entry).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `));
    },
  );
});

describe('outbound policy at connect time', () => {
  let server: Server;
  let port: number;
  let connections = 0;
  const tripwire = loopbackOnly();

  afterAll(() => {
    tripwire.restore();
    expect(tripwire.stopped).toEqual([]);
  });

  beforeAll(async () => {
    server = createServer((_req, res) => res.end('{}'));
    server.on('connection', () => (connections += 1));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** A resolver that answers from a table and records every question. */
  function stub(answers: Record<string, string[]>): HostResolver & { asked: string[] } {
    const asked: string[] = [];
    const resolve = async (hostname: string) => {
      asked.push(hostname);
      const addresses = answers[hostname];
      if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
      return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    };
    return Object.assign(resolve, { asked });
  }

  it.each([['10.0.0.5'], ['169.254.169.254'], ['::ffff:a9fe:a9fe'], ['127.0.0.1'], ['93.184.216.34', '10.0.0.5']])(
    'should refuse a name resolving to %s inside the connection lookup, before connecting',
    async (...addresses) => {
      const resolver = stub({ 'idp.example': addresses });
      const policy = new OutboundPolicy(OutboundAllowList.parse(''), resolver);
      const before = connections;
      const refused = await policy.fetch(`http://idp.example:${port}/token`).catch((error: unknown) => error);
      await policy.close();
      expect((refused as { cause?: unknown }).cause).toBeInstanceOf(DestinationNotAllowedError);
      expect(resolver.asked).toEqual(['idp.example']);
      expect(connections).toBe(before);
    },
  );

  it('should refuse a literal loopback address without a lookup, and reach it once it is allowed', async () => {
    const resolver = stub({});
    const refusing = new OutboundPolicy(OutboundAllowList.parse(''), resolver);
    const before = connections;
    const refused = await refusing.fetch(`http://127.0.0.1:${port}/token`).catch((error: unknown) => error);
    await refusing.close();
    expect((refused as { cause?: unknown }).cause).toBeInstanceOf(DestinationNotAllowedError);
    expect(connections).toBe(before);

    const allowing = new OutboundPolicy(OutboundAllowList.parse(`127.0.0.1:${port}`), resolver);
    expect((await allowing.fetch(`http://127.0.0.1:${port}/token`)).status).toBe(200);
    // The same address on another port (a second loopback server) is not what the entry allows.
    const other = createServer((_req, res) => res.end('{}'));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const otherPort = await allowing.fetch(`http://127.0.0.1:${(other.address() as AddressInfo).port}/token`).catch((error: unknown) => error);
    await allowing.close();
    await new Promise<void>((resolve) => other.close(() => resolve()));
    expect((otherPort as { cause?: unknown }).cause).toBeInstanceOf(DestinationNotAllowedError);
    expect(resolver.asked).toEqual([]);
  });

  it('should connect to an allowed name through the stubbed answer', async () => {
    const resolver = stub({ 'idp.internal': ['127.0.0.1'] });
    const policy = new OutboundPolicy(OutboundAllowList.parse('idp.internal'), resolver);
    const response = await policy.fetch(`http://idp.internal:${port}/token`);
    await policy.close();
    expect(await response.json()).toEqual({});
    expect(resolver.asked).toEqual(['idp.internal']);
  });

  it('should refuse an answer larger than the bound', async () => {
    const big = createServer((_req, res) => res.end('x'.repeat(300 * 1024)));
    await new Promise<void>((resolve) => big.listen(0, '127.0.0.1', resolve));
    const policy = new OutboundPolicy(OutboundAllowList.parse('127.0.0.1'));
    const refused = await policy.fetch(`http://127.0.0.1:${(big.address() as AddressInfo).port}/`).catch((error: unknown) => error);
    await policy.close();
    await new Promise<void>((resolve) => big.close(() => resolve()));
    expect((refused as { code?: string }).code).toBe('RESPONSE_TOO_LARGE');
  });
});
