import { createMethodMiddlewareDecorator, type AuthCheckerFn } from 'type-graphql';
import { AppError } from '../errors';
import type { Role } from '../tokens/token-kind';
import type { Principal } from './principal';

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

/**
 * Only for people (a user's personal access token), never for app access tokens whatever their
 * role: for operations no machine client may do (managing apps, exporting secrets in bulk).
 * Put it under `@Authorized`, which runs first (anonymous callers stay UNAUTHENTICATED).
 */
export function PeopleOnly(): MethodDecorator {
  return createMethodMiddlewareDecorator<AuthContext>(({ context }, next) => {
    if (!context.viewer) throw AppError.unauthenticated();
    if (context.viewer.type !== 'user') throw AppError.forbidden('Only people may do this, never an app access token.');
    return next();
  });
}

/** Reads a bearer value from an `Authorization` header (or graphql-ws payload field). */
export function bearerValue(header: unknown): string | null {
  if (typeof header !== 'string') return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : null;
}
