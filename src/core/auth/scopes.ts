import { AppError, ErrorCode } from '../errors';

/**
 * What a token may do, below its owner's role (least privilege, as GitHub's fine-grained and
 * GitLab's scoped tokens). A token with no scopes may do all its owner's role allows; one with
 * scopes may do only what one of them grants — and never more than the role.
 */
export enum TokenScope {
  /** Everything the owner's role allows: every query, mutation and subscription, and the REST routes. */
  WRITE = 'WRITE',
  /** Read-only API: queries and subscriptions (verifying tokens included), no mutation. */
  READ = 'READ',
  /** Verify tokens only: `verifyToken` and `POST /v1/verify` (a gateway's token). */
  VERIFY = 'VERIFY',
  /** Start workflows only: `POST /api/workflows/:id/instances` (a CI job's token). */
  START_WORKFLOWS = 'START_WORKFLOWS',
}

/** What a request does, as scopes see it. */
export type Capability = 'read' | 'write' | 'verify' | 'startWorkflows';

const GRANTS: Record<TokenScope, readonly Capability[]> = {
  [TokenScope.WRITE]: ['read', 'write', 'verify', 'startWorkflows'],
  [TokenScope.READ]: ['read', 'verify'],
  [TokenScope.VERIFY]: ['verify'],
  [TokenScope.START_WORKFLOWS]: ['startWorkflows'],
};

const NEEDED: Record<Capability, string> = {
  read: 'READ or WRITE',
  write: 'WRITE',
  verify: 'VERIFY, READ or WRITE',
  startWorkflows: 'START_WORKFLOWS or WRITE',
};

/** Whether the caller's scopes (if any) allow `capability`. */
export function scopesAllow(principal: { scopes?: readonly TokenScope[] }, capability: Capability): boolean {
  if (!principal.scopes) return true;
  return principal.scopes.some((scope) => GRANTS[scope]?.includes(capability));
}

/** FORBIDDEN (reason INSUFFICIENT_SCOPE) unless the caller's scopes allow `capability`. */
export function requireScope(principal: { scopes?: readonly TokenScope[] }, capability: Capability): void {
  if (scopesAllow(principal, capability)) return;
  throw new AppError(ErrorCode.FORBIDDEN, `This token's scopes (${principal.scopes?.join(', ')}) do not allow this: it needs ${NEEDED[capability]}.`, {
    reason: 'INSUFFICIENT_SCOPE',
  });
}
