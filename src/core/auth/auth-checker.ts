import { createMethodMiddlewareDecorator, type AuthCheckerFn } from 'type-graphql';
import { AppError } from '../errors';
import type { Role } from '../tokens/token-kind';
import type { Principal } from './principal';
import { requireScope, type Capability } from './scopes';

/** What the auth checker needs of a request's context. */
export interface AuthContext {
  viewer: Principal | null;
}

/** Root fields any token may call whatever its scopes: who am I, and rotating itself (the service checks it is itself). */
const ANY_SCOPE = new Set(['viewer', 'rotatePersonalAccessToken']);

/** What a root field does, as scopes see it (nested fields were allowed with their root). */
function capabilityOf(operation: string, field: string): Capability | null {
  if (ANY_SCOPE.has(field)) return null;
  if (operation === 'mutation') return 'write';
  if (field === 'verifyToken') return 'verify';
  return 'read';
}

/**
 * `@Authorized()` needs a valid token (UNAUTHENTICATED otherwise); `@Authorized([roles])` also
 * needs one of the roles (FORBIDDEN otherwise). A token with scopes is held to them at every
 * root field, on every transport (HTTP and WebSocket run the same resolvers): mutations need
 * WRITE, queries and subscriptions READ (or VERIFY for `verifyToken`); see TokenScope.
 */
export const authChecker: AuthCheckerFn<AuthContext, Role> = ({ context, info }, roles) => {
  if (!context.viewer) throw AppError.unauthenticated();
  if (roles.length > 0 && !roles.includes(context.viewer.role)) throw AppError.forbidden();
  if (context.viewer.scopes && info.path.prev === undefined) {
    const capability = capabilityOf(info.operation.operation, info.fieldName);
    if (capability) requireScope(context.viewer, capability);
  }
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
