import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { Agent, buildConnector, fetch as undiciFetch } from 'undici';
import { AppError } from './errors';

/**
 * Outbound calls (OAuth providers today, webhooks later) reach only public destinations unless
 * the operator allows others (`TESSERA_OUTBOUND_ALLOWED_HOSTS`). Two checks, on the same rules:
 * at create/update a URL is refused with BAD_USER_INPUT ({@link assertPublicDestinationUrl}), and
 * every connection is checked again on the address actually connected to, inside the
 * connection's own DNS lookup ({@link OutboundPolicy.fetch}), so a DNS answer that changes
 * between the two never gets through.
 */

/** One answer of a name lookup. */
export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Resolves a host name to every address it has; injectable so tests stub DNS. */
export type HostResolver = (hostname: string) => Promise<ResolvedAddress[]>;

/** The system's resolver (getaddrinfo, as every Node connection uses by default). */
export const systemResolver: HostResolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** The error code of a connection refused because of where it would go. */
export const DESTINATION_NOT_ALLOWED = 'DESTINATION_NOT_ALLOWED';

/** A connection refused before it was made: its destination is not public and not allowed. */
export class DestinationNotAllowedError extends Error {
  readonly code = DESTINATION_NOT_ALLOWED;
  constructor(message = 'The destination is not a public address and is not listed in TESSERA_OUTBOUND_ALLOWED_HOSTS.') {
    super(message);
    this.name = 'DestinationNotAllowedError';
  }
}

/** Whether an error (or one of its causes) is a refused destination. */
export function isDestinationNotAllowed(error: unknown): boolean {
  for (
    let current = error as { code?: unknown; cause?: unknown } | undefined, depth = 0;
    current && typeof current === 'object' && depth < 8;
    current = current.cause as typeof current, depth += 1
  ) {
    if (current instanceof DestinationNotAllowedError || current.code === DESTINATION_NOT_ALLOWED) return true;
  }
  return false;
}

function parseAddress(address: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  const bare = address.replace(/^\[|\]$/g, '');
  if (!isIP(bare)) return null;
  const parsed = ipaddr.parse(bare);
  // An IPv4 address written as IPv6 (::ffff:a.b.c.d) is that IPv4 address.
  return parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress() ? (parsed as ipaddr.IPv6).toIPv4Address() : parsed;
}

/**
 * Whether an address is on the public internet: only ipaddr.js's `unicast` range counts, after an
 * IPv4-mapped IPv6 address is read as its IPv4 address. Loopback, private, link-local (cloud
 * metadata at 169.254.169.254), unique-local, carrier-grade NAT, 0.0.0.0/::, multicast, broadcast,
 * reserved, and the IPv6 forms that embed an IPv4 address (NAT64, 6to4, Teredo, the deprecated
 * IPv4-compatible ::a.b.c.d) are not. Anything that is not an IP address is not public either.
 */
export function isPublicAddress(address: string): boolean {
  const parsed = parseAddress(address);
  if (!parsed) return false;
  if (parsed.range() !== 'unicast') return false;
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).parts.slice(0, 6).every((part) => part === 0)) return false;
  return true;
}

type AllowEntry = { kind: 'host'; host: string; port?: number } | { kind: 'range'; range: [ipaddr.IPv4 | ipaddr.IPv6, number]; port?: number };

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

function normalHost(host: string): string {
  return host.toLowerCase().replace(/\.$/, '');
}

function parsePort(raw: string, entry: string): number {
  if (!/^\d{1,5}$/.test(raw) || Number(raw) < 1 || Number(raw) > 65535) throw new Error(`${JSON.stringify(entry)} has a bad port (1 to 65535)`);
  return Number(raw);
}

function parseEntry(entry: string): AllowEntry {
  // [v6] or [v6]:port
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(entry);
  if (bracketed) {
    if (isIP(bracketed[1]) !== 6) throw new Error(`${JSON.stringify(entry)} is not an IPv6 address in brackets`);
    const port = bracketed[2] !== undefined ? parsePort(bracketed[2], entry) : undefined;
    return { kind: 'range', range: [parseAddress(bracketed[1]) as ipaddr.IPv4 | ipaddr.IPv6, 128], port };
  }
  if (entry.includes('/')) {
    try {
      const [address, bits] = ipaddr.parseCIDR(entry);
      const unwrapped = parseAddress(address.toString());
      // ::ffff:10.0.0.0/104 reads as 10.0.0.0/8, as addresses do.
      const length = unwrapped && unwrapped.kind() !== address.kind() ? bits - 96 : bits;
      if (!unwrapped || length < 0) throw new Error('bad');
      return { kind: 'range', range: [unwrapped, length] };
    } catch {
      throw new Error(`${JSON.stringify(entry)} is not a CIDR range (10.0.0.0/8, fd00::/8)`);
    }
  }
  if (isIP(entry) === 6) return { kind: 'range', range: [parseAddress(entry) as ipaddr.IPv6, 128] };
  const [host, port, ...rest] = entry.split(':');
  if (rest.length > 0)
    throw new Error(`${JSON.stringify(entry)} is neither a host, host:port, IP address nor CIDR range (write IPv6 with a port as [::1]:8080)`);
  const parsedPort = port !== undefined ? parsePort(port, entry) : undefined;
  if (isIP(host) === 4) return { kind: 'range', range: [parseAddress(host) as ipaddr.IPv4, 32], port: parsedPort };
  if (/^[\d.]+$/.test(host) || !HOSTNAME.test(host.replace(/\.$/, '')))
    throw new Error(`${JSON.stringify(entry)} is neither a host name, host:port, IP address nor CIDR range`);
  return { kind: 'host', host: normalHost(host), port: parsedPort };
}

/**
 * The destinations an operator allows although they are not public: host names, `host:port`,
 * IPv4/IPv6 addresses (`[v6]:port` with a port) and CIDR ranges. A host name entry allows that
 * name whatever it resolves to; an address or range entry allows the address connected to,
 * whatever name led there. Empty: nothing but public addresses.
 */
export class OutboundAllowList {
  private constructor(private readonly entries: AllowEntry[]) {}

  static readonly EMPTY = new OutboundAllowList([]);

  /** Parses the comma-separated list; throws an Error with one sentence on the first bad entry. */
  static parse(raw: string | undefined): OutboundAllowList {
    const items = (raw ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
    return new OutboundAllowList(items.map(parseEntry));
  }

  get size(): number {
    return this.entries.length;
  }

  /** Whether a host name entry allows `hostname` on `port`. */
  allowsHost(hostname: string, port: number): boolean {
    const host = normalHost(hostname.replace(/^\[|\]$/g, ''));
    return this.entries.some((entry) => entry.kind === 'host' && entry.host === host && (entry.port === undefined || entry.port === port));
  }

  /** Whether an address or range entry allows connecting to `address` on `port`. */
  allowsAddress(address: string, port: number): boolean {
    const parsed = parseAddress(address);
    if (!parsed) return false;
    return this.entries.some(
      (entry) =>
        entry.kind === 'range' && entry.range[0].kind() === parsed.kind() && parsed.match(entry.range) && (entry.port === undefined || entry.port === port),
    );
  }
}

/** The port a URL connects to. */
function portOf(url: URL): number {
  return url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}

/** The largest answer read from an outbound call; a larger one is refused, unread. */
export const MAX_OUTBOUND_RESPONSE_BYTES = 256 * 1024;

/** A response larger than {@link MAX_OUTBOUND_RESPONSE_BYTES}. */
export class ResponseTooLargeError extends Error {
  readonly code = 'RESPONSE_TOO_LARGE';
  constructor() {
    super(`The answer was larger than ${MAX_OUTBOUND_RESPONSE_BYTES} bytes.`);
    this.name = 'ResponseTooLargeError';
  }
}

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * Where outbound calls may go, and the one way to make them: {@link fetch} connects through an
 * undici `Agent` whose connector refuses a literal address that is not permitted and whose DNS
 * lookup refuses a name when any of its answers is not.
 */
export class OutboundPolicy {
  private readonly agent: Agent;

  constructor(
    readonly allowList: OutboundAllowList,
    /** How names are resolved, at validation and at connect time. @default systemResolver */
    public resolver: HostResolver = systemResolver,
  ) {
    this.agent = new Agent({ connect: this.connector(), keepAliveTimeout: 4_000 });
  }

  /** Whether a connection to `address`, reached by `hostname` on `port`, may be made. */
  permits(hostname: string, port: number, address: string): boolean {
    return this.allowList.allowsHost(hostname, port) || this.allowList.allowsAddress(address, port) || isPublicAddress(address);
  }

  /**
   * Whether `url`'s destination may be reached now: its host is allowed by name, or it is an
   * address that is permitted, or a name whose every answer is. A name that does not resolve is
   * not reachable either (`false`), so no caller learns more than "not allowed".
   */
  async permitsUrl(url: URL): Promise<boolean> {
    const hostname = url.hostname.replace(/^\[|\]$/g, '');
    const port = portOf(url);
    if (this.allowList.allowsHost(hostname, port)) return true;
    if (isIP(hostname)) return this.permits(hostname, port, hostname);
    let answers: ResolvedAddress[];
    try {
      answers = await this.resolver(hostname);
    } catch {
      return false;
    }
    return answers.length > 0 && answers.every((answer) => this.permits(hostname, port, answer.address));
  }

  /** The lookup given to every connection on `port`: resolves, then refuses if any answer is not permitted. */
  private lookupFor(port: number): LookupFunction {
    return (hostname, options, callback) => {
      this.resolver(hostname).then(
        (answers) => {
          const family = options.family === 4 || options.family === 6 ? options.family : undefined;
          const usable = family ? answers.filter((answer) => answer.family === family) : answers;
          if (usable.length === 0) {
            const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
            return (callback as (error: Error) => void)(error);
          }
          if (!answers.every((answer) => this.permits(hostname, port, answer.address)))
            return (callback as (error: Error) => void)(new DestinationNotAllowedError());
          if (options.all) return (callback as unknown as (error: null, addresses: ResolvedAddress[]) => void)(null, usable);
          callback(null, usable[0].address, usable[0].family);
        },
        (error: Error) => (callback as (error: Error) => void)(error),
      );
    };
  }

  private connector(): buildConnector.connector {
    const byPort = new Map<number, buildConnector.connector>();
    return (options, callback) => {
      const hostname = options.hostname.replace(/^\[|\]$/g, '');
      const port = Number(options.port) || (options.protocol === 'https:' ? 443 : 80);
      if (options.socketPath) return callback(new DestinationNotAllowedError(), null);
      // A literal address is connected to without a lookup: it is checked here instead.
      if (isIP(hostname) && !this.permits(hostname, port, hostname)) return callback(new DestinationNotAllowedError(), null);
      let connect = byPort.get(port);
      if (!connect) {
        connect = buildConnector({ lookup: this.lookupFor(port), timeout: 10_000 });
        byPort.set(port, connect);
      }
      connect(options, callback);
    };
  }

  /**
   * `fetch` for outbound calls: connects only where {@link permits} says, follows no redirect
   * unless `init` asks, and reads at most {@link MAX_OUTBOUND_RESPONSE_BYTES} of the answer
   * (handed back as a plain global `Response`, fully read).
   */
  async fetch(input: string | URL, init: RequestInit = {}): Promise<Response> {
    const response = await undiciFetch(input, { ...(init as object), dispatcher: this.agent } as Parameters<typeof undiciFetch>[1]);
    const declared = Number(response.headers.get('content-length') ?? '0');
    if (declared > MAX_OUTBOUND_RESPONSE_BYTES) {
      await response.body?.cancel().catch(() => undefined);
      throw new ResponseTooLargeError();
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    if (response.body) {
      for await (const chunk of response.body) {
        size += chunk.byteLength;
        if (size > MAX_OUTBOUND_RESPONSE_BYTES) {
          await response.body.cancel().catch(() => undefined);
          throw new ResponseTooLargeError();
        }
        chunks.push(chunk);
      }
    }
    const headers = new Headers();
    response.headers.forEach((value, name) => headers.append(name, value));
    return new Response(NULL_BODY_STATUSES.has(response.status) ? null : Buffer.concat(chunks), {
      status: response.status,
      statusText: response.statusText,
      headers,
    });
  }

  /** Closes the pooled connections. */
  close(): Promise<void> {
    return this.agent.close();
  }
}

/**
 * Refuses (BAD_USER_INPUT on `field`) a URL an outbound call could not or should not make:
 * anything but http/https, user info in the URL, or a destination {@link OutboundPolicy.permitsUrl}
 * refuses. The same rule every place that stores an outbound URL applies (provider create and
 * update, bundle import).
 */
export async function assertPublicDestinationUrl(raw: string, field: string, policy: OutboundPolicy): Promise<void> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw AppError.badInput(field, `${field} must be an absolute http:// or https:// URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw AppError.badInput(field, `${field} must be an http:// or https:// URL.`);
  if (url.username || url.password) throw AppError.badInput(field, `${field} must not carry a user name or password: give credentials in their own fields.`);
  if (!(await policy.permitsUrl(url))) {
    throw AppError.badInput(
      field,
      `${field} must point at a public address: ${url.hostname} is loopback, private, link-local or otherwise not public, or cannot be resolved. An operator can allow it with TESSERA_OUTBOUND_ALLOWED_HOSTS.`,
    );
  }
}
