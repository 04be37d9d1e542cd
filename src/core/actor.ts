import type { Role } from './tokens/token-kind';

/** Who is acting: a user (by a PAT), an app (by an access token), or Tessera itself. */
export interface Actor {
  type: 'user' | 'app' | 'system';
  id: string | null;
  name: string | null;
  tenantId: string;
  role: Role | null;
  /** The request this change belongs to, for the audit log. */
  requestId?: string;
}

/**
 * Tessera acting on its own (expiry sweep, proactive refresh, bootstrap, a leak report, the OAuth
 * callback), named for the audit log. The only way a system actor is made.
 */
export function systemActor(tenantId: string, name = 'tessera'): Actor {
  return { type: 'system', id: null, name, tenantId, role: null };
}
