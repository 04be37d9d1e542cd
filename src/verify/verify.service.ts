import type { Principal } from './verify.types';
import { VerifyReason, type VerifyRequest, type VerifyResult } from './verify.types';
import { whenDone, type Maybe } from '../core/maybe';
import type { Verifier } from './verifier';

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/**
 * Verification on behalf of a caller: a token of another tenant reads as UNKNOWN, exactly like
 * one that does not exist, so the answer reveals nothing across tenants.
 */
export class VerifyService {
  constructor(private readonly verifier: Verifier) {}

  /** Synchronous when the verifier answers from its cache; `await` either. */
  verifyFor(caller: Principal, value: string, request: VerifyRequest): Maybe<VerifyResult> {
    // A literal of one shape, not a spread: this runs on every verify (the hot path).
    const scoped: VerifyRequest = { endpointId: request.endpointId, method: request.method, tenantId: caller.tenantId, use: request.use };
    return whenDone(this.verifier.verify(value, scoped), (result) =>
      result.token && result.token.tenantId !== caller.tenantId ? { valid: false, reason: VerifyReason.UNKNOWN, token: null } : result,
    );
  }
}
