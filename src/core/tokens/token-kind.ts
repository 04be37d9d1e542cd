/**
 * Every kind of token, each declared by the module that owns it: core names none. A module adds
 * its kinds by augmenting this interface (`declare module '../../core/tokens/token-kind' {
 * interface TokenKinds { PERSONAL_ACCESS: true } }`) and lists their definitions (with the
 * description the GraphQL `TokenKind` enum shows) in its manifest.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface TokenKinds {}

/** The name of a kind of token (see {@link TokenKinds}). */
export type TokenKind = Extract<keyof TokenKinds, string>;

/** Lifecycle state computed from a token's times. */
export enum TokenStatus {
  ACTIVE = 'ACTIVE',
  EXPIRING = 'EXPIRING',
  EXPIRED = 'EXPIRED',
  REVOKED = 'REVOKED',
}

/** Roles, most powerful first. */
export enum Role {
  ADMIN = 'ADMIN',
  AUTOMATION_ADMIN = 'AUTOMATION_ADMIN',
  DEVELOPER = 'DEVELOPER',
  MEMBER = 'MEMBER',
}

/** A rank per role for visibility thresholds: a viewer sees what is at or below its rank. */
export const roleRank: Record<Role, number> = {
  [Role.ADMIN]: 3,
  [Role.AUTOMATION_ADMIN]: 2,
  [Role.DEVELOPER]: 1,
  [Role.MEMBER]: 0,
};
