import type { TokenKindDefinition } from '../../core/tokens/registry';
import { Role, TokenKind } from '../../core/tokens/token-kind';
import { type KindVerifier } from '../../verify';
import { User } from '../users';

/** The kinds of token this module owns. */
export const personalAccessTokenKinds: TokenKindDefinition[] = [
  { kind: TokenKind.PERSONAL_ACCESS, prefix: 'tsp', idPrefix: 'pat', audience: Role.ADMIN, noun: 'personal_access_token' },
];

/** What verification adds for this module's kinds. */
export const personalAccessTokenVerifiers: KindVerifier[] = [
  /** A PAT acts as its owner, with the owner's current role. */
  {
    kind: TokenKind.PERSONAL_ACCESS,
    async enrich(snapshot, em) {
      const owner = snapshot.ownerId ? await em.findOne(User, { id: snapshot.ownerId }) : null;
      return owner ? { ownerName: owner.name, ownerRole: owner.role, ownerTenantId: owner.tenantId } : {};
    },
    principal(snapshot) {
      const { ownerName, ownerRole, ownerTenantId } = snapshot.extra as { ownerName?: string; ownerRole?: Role; ownerTenantId?: string };
      if (!snapshot.ownerId || !ownerRole || !ownerTenantId) return null;
      return { type: 'user', id: snapshot.ownerId, name: ownerName ?? '', role: ownerRole, tenantId: ownerTenantId };
    },
  },
];
