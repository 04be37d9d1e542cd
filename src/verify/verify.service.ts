import type { Principal } from './verify.types';
import { VerifyReason, type VerifyRequest, type VerifyResult } from './verify.types';
import type { Verifier } from './verifier';

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/**
 * Verification on behalf of a caller: a token of another tenant reads as UNKNOWN, exactly like
 * one that does not exist, so the answer reveals nothing across tenants.
 */
export class VerifyService {
  constructor(private readonly verifier: Verifier) {}

  async verifyFor(caller: Principal, value: string, request: VerifyRequest): Promise<VerifyResult> {
    return this.verifyNowFor(caller, value, request) ?? forCaller(caller, await this.verifier.verify(value, request));
  }

  /** {@link verifyFor} when no storage read is needed (the hot path); undefined when one is. */
  verifyNowFor(caller: Principal, value: string, request: VerifyRequest): VerifyResult | undefined {
    const result = this.verifier.verifyNow(value, request);
    return result && forCaller(caller, result);
  }
}

function forCaller(caller: Principal, result: VerifyResult): VerifyResult {
  if (result.token && result.token.tenantId !== caller.tenantId) return { valid: false, reason: VerifyReason.UNKNOWN, token: null };
  return result;
}
