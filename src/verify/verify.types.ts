import type { EntityManager } from '@mikro-orm/core';
import type { Principal as CorePrincipal } from '../core/auth/principal';
import type { TokenKind } from '../core/tokens/token-kind';

/** Why a value was refused. */
export enum VerifyReason {
  UNKNOWN = 'UNKNOWN',
  MALFORMED = 'MALFORMED',
  EXPIRED = 'EXPIRED',
  REVOKED = 'REVOKED',
  DISABLED = 'DISABLED',
  NOT_ASSIGNED = 'NOT_ASSIGNED',
  WRONG_METHOD = 'WRONG_METHOD',
}

/** What a verification needs to know of a token: cached per value, never the value itself. */
export interface TokenSnapshot {
  tokenId: string;
  kind: TokenKind;
  tenantId: string;
  name: string;
  ownerId: string | null;
  subjectType: string | null;
  subjectId: string | null;
  expiresAt: number | null;
  revokedAt: number | null;
  disabledAt: number | null;
  /** End of this value's grace after a regeneration; null for the current value. */
  validUntil: number | null;
  /** What the kind's `enrich` added (assignments, the owner's role, the app's state). */
  extra: Record<string, unknown>;
  /** Further ids whose eviction forgets this snapshot (the kind's `relatedIds`, e.g. an app's creator). */
  relatedIds?: string[];
}

/** Where a value is being presented. */
export interface VerifyRequest {
  endpointId?: string;
  method?: string;
  /**
   * The tenant the asker belongs to: a value of another tenant then reads as UNKNOWN, exactly
   * like one that does not exist, and is not stamped as used.
   */
  tenantId?: string;
  /**
   * False when the value is inspected rather than used (a leak report): a valid value is then
   * not stamped as used (`lastUsedAt` tells when the token last did something).
   */
  use?: boolean;
}

export interface VerifyResult {
  valid: boolean;
  reason: VerifyReason | null;
  token: TokenSnapshot | null;
}

/** Who a token acts as when it calls the API (defined in core, where authentication needs it). */
export type Principal = CorePrincipal;

/**
 * What a module adds to verification for its kind. `enrich` runs when a value is first looked
 * up (its result is cached with the snapshot, and evicted with it); `check` and `principal` run
 * on every verification and must be pure.
 */
export interface KindVerifier {
  kind: TokenKind;
  enrich?(snapshot: TokenSnapshot, em: EntityManager): Promise<Record<string, unknown>>;
  check?(snapshot: TokenSnapshot, request: VerifyRequest): VerifyReason | null;
  /**
   * Ids besides the token, subject and owner whose change invalidates what `enrich` read (an
   * app's creator, whose role caps the app's): evicting any of them forgets the cached snapshot.
   */
  relatedIds?(snapshot: TokenSnapshot): string[];
  /** For kinds that may call the API: who the token acts as; null if it may not. */
  principal?(snapshot: TokenSnapshot): Principal | null;
}
