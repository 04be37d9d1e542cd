import type { AuthCheckerFn } from 'type-graphql';
import { AppError } from '../errors';
import type { Role } from '../tokens/token-kind';
import type { Principal } from '../../verify/verify.types';

/** What the auth checker needs of a request's context. */
export interface AuthContext {
  viewer: Principal | null;
}

/**
 * `@Authorized()` needs a valid token (UNAUTHENTICATED otherwise); `@Authorized([roles])` also
 * needs one of the roles (FORBIDDEN otherwise).
 */
export const authChecker: AuthCheckerFn<AuthContext, Role> = ({ context }, roles) => {
  if (!context.viewer) throw AppError.unauthenticated();
  if (roles.length > 0 && !roles.includes(context.viewer.role)) throw AppError.forbidden();
  return true;
};

/** Reads a bearer value from an `Authorization` header (or graphql-ws payload field). */
export function bearerValue(header: unknown): string | null {
  if (typeof header !== 'string') return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : null;
}
