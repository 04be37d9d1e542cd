import { both, whenDone, type Maybe } from '../core/maybe';
import { RateLimitedError, type RateLimits } from '../core/rate-limit';
import type { Verifier } from './verifier';
import type { Principal } from './verify.types';

export interface Authentication {
  principal: Principal | null;
  /** The id of the token that authenticated, when one did. */
  tokenId: string | null;
}

const ANONYMOUS: Authentication = Object.freeze({ principal: null, tokenId: null });

/**
 * Bearer authentication for every transport (GraphQL over HTTP, graphql-ws, REST): the verifier
 * decides, and failed attempts count against the client's IP, which is refused for a while once
 * past the limit (brute force gets nowhere, and gets there slowly).
 */
export class Authenticator {
  constructor(
    private readonly verifier: Verifier,
    private readonly limits: RateLimits,
  ) {}

  /**
   * Throws {@link RateLimitedError} when the IP is past its failure limit. Synchronous when the
   * verifier answers from its cache and the limits are in memory (see {@link Maybe}).
   * `alongside` (a caller's own check of the same request, such as its per-address limit) is
   * awaited together with the failure-limit check: through Redis, one round trip instead of two
   * in a row. Its failure fails the authentication.
   */
  authenticate(value: string | null, ip: string, alongside?: Maybe<void>): Maybe<Authentication> {
    if (!value) return whenDone(alongside, () => ANONYMOUS);
    return whenDone(both(this.limits.isBlocked('authFailuresPerIp', ip), alongside), ([blocked]) => {
      if (blocked) throw blocked;
      return whenDone(this.verifier.authenticate(value), ({ principal, result }) =>
        principal && result.token ? { principal, tokenId: result.token.tokenId } : this.failed(ip),
      );
    });
  }

  /** Counts a failed attempt against the IP (the attempt that crosses the limit is refused too). */
  private async failed(ip: string): Promise<Authentication> {
    try {
      await this.limits.consume('authFailuresPerIp', ip);
    } catch (error) {
      if (error instanceof RateLimitedError) throw error;
    }
    return ANONYMOUS;
  }
}
