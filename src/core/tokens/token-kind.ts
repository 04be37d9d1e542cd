/**
 * The kinds of token Tessera manages: the vocabulary shared by events, verification and the
 * audit log. Core gives the kinds no behaviour; each module fills in its own.
 */
export enum TokenKind {
  PERSONAL_ACCESS = 'PERSONAL_ACCESS',
  WORKFLOW = 'WORKFLOW',
  APP_SECRET = 'APP_SECRET',
  APP_ACCESS = 'APP_ACCESS',
  ENDPOINT_PRIMARY = 'ENDPOINT_PRIMARY',
  ENDPOINT_SECONDARY = 'ENDPOINT_SECONDARY',
  OAUTH = 'OAUTH',
}

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
