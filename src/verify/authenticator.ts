import { RateLimitedError, type RateLimits } from '../core/rate-limit';
import type { Verifier } from './verifier';
import type { Principal } from './verify.types';

export interface Authentication {
  principal: Principal | null;
  /** The id of the token that authenticated, when one did. */
  tokenId: string | null;
}

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

  /** Throws {@link RateLimitedError} when the IP is past its failure limit. */
  async authenticate(value: string | null, ip: string): Promise<Authentication> {
    if (!value) return { principal: null, tokenId: null };
    const blocked = await this.limits.isBlocked('authFailuresPerIp', ip);
    if (blocked) throw blocked;
    const { principal, result } = await this.verifier.authenticate(value);
    if (principal && result.token) return { principal, tokenId: result.token.tokenId };
    try {
      await this.limits.consume('authFailuresPerIp', ip);
    } catch (error) {
      if (error instanceof RateLimitedError) throw error;
    }
    return { principal: null, tokenId: null };
  }
}
