import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';

/**
 * `TESSERA_TRUST_PROXY`, with the semantics of Express's `trust proxy`: `false` (the default:
 * the peer's address is the client's), `true` (trust every hop: the left-most X-Forwarded-For
 * entry), a hop count, or addresses / CIDR ranges / the names `loopback`, `linklocal`,
 * `uniquelocal` of the proxies to trust.
 */
export type TrustProxy = boolean | number | string[];

/** Parses `TESSERA_TRUST_PROXY`; throws with one sentence on a value proxy-addr cannot compile. */
export function parseTrustProxy(raw: string | undefined): TrustProxy {
  const value = (raw ?? '').trim();
  if (value === '' || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops > 64) throw new Error('a hop count must be at most 64');
    return hops;
  }
  const entries = value.split(',').map((part) => part.trim());
  if (entries.some((entry) => entry === '')) throw new Error('an empty entry in the list');
  proxyaddr.compile(entries); // throws TypeError on an address or range it cannot read
  return entries;
}

/** The trust function Express compiles from the same setting (express/lib/utils.js compileTrust). */
function compileTrust(trust: TrustProxy): (address: string, hop: number) => boolean {
  if (trust === true) return () => true;
  if (trust === false) return () => false;
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return proxyaddr.compile(trust);
}

/** The client address of a request, as the configured proxies say. */
export type ClientAddressOf = (req: IncomingMessage) => string;

/**
 * The client's address of a request as every rate limit and audit entry sees it: the peer's,
 * or, behind trusted proxies, the one they forwarded (exactly what Express's `req.ip` yields
 * with `app.set('trust proxy', trust)`). For requests Express does not see (the verify hot
 * path, graphql-ws upgrades).
 */
export function clientAddressOf(trust: TrustProxy): ClientAddressOf {
  if (trust === false) return (req) => req.socket.remoteAddress ?? 'unknown';
  const compiled = compileTrust(trust);
  return (req) => {
    if (!req.socket.remoteAddress) return 'unknown';
    return proxyaddr(req, compiled) || 'unknown';
  };
}
