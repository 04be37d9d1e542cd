import { both, whenDone, type Maybe } from '../core/maybe';
import { RateLimitedError, type RateLimits } from '../core/rate-limit';
import type { Verifier } from './verifier';
import type { Principal } from './verify.types';

export interface Authentication {
  principal: Principal | null;
  /** The id of the token that authenticated, when one did. */
  tokenId: string | null;
  /**
   * When the presented value stops being valid by itself (epoch ms: the token's expiry, or the
   * end of its grace after a regeneration, whichever comes first); null when it never does.
   */
  validUntil: number | null;
}

const ANONYMOUS: Authentication = Object.freeze({ principal: null, tokenId: null, validUntil: null });

function earliest(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}

/**
 * Bearer authentication for every transport (GraphQL over HTTP, graphql-ws, REST): the verifier
 * decides first, and only failed attempts count against the client's address. A valid token is
 * always accepted, whatever others at the same address (a shared proxy, a neighbour guessing)
 * did; a failure past the address's limit is refused with RATE_LIMITED (brute force gets
 * nowhere, and gets there slowly).
 */
export class Authenticator {
  constructor(
    private readonly verifier: Verifier,
    private readonly limits: RateLimits,
  ) {}

  /**
   * Throws {@link RateLimitedError} when the value is refused and the address is past its
   * failure limit. Synchronous when the verifier answers from its cache and the limits are in
   * memory (see {@link Maybe}). `alongside` (a caller's own check of the same request, such as
   * its per-address limit) is awaited together with the verification. Its failure fails the
   * authentication. `connection` (the request's socket) spares a keep-alive caller the HMAC of
   * its value on every request after the first ({@link Verifier.authenticate}).
   */
  authenticate(value: string | null, ip: string, alongside?: Maybe<void>, connection?: object): Maybe<Authentication> {
    if (!value) return whenDone(alongside, () => ANONYMOUS);
    return whenDone(both(this.verifier.authenticate(value, connection), alongside), ([{ principal, result }]) =>
      principal && result.token
        ? { principal, tokenId: result.token.tokenId, validUntil: earliest(result.token.expiresAt, result.token.validUntil) }
        : this.failed(ip),
    );
  }

  /** Counts a failed attempt against the address; past the limit, the attempt is refused. */
  private async failed(ip: string): Promise<Authentication> {
    try {
      await this.limits.consume('authFailuresPerIp', ip);
    } catch (error) {
      if (error instanceof RateLimitedError) throw error;
    }
    return ANONYMOUS;
  }
}
