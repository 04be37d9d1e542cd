import { registerTokenKind } from '../../core/tokens/registry';
import { Role, TokenKind } from '../../core/tokens/token-kind';
import { registerKindVerifier } from '../../verify';
import { User } from '../users';

registerTokenKind({ kind: TokenKind.PERSONAL_ACCESS, prefix: 'tsp', idPrefix: 'pat', audience: Role.ADMIN, noun: 'personal_access_token' });

/** A PAT acts as its owner, with the owner's current role. */
registerKindVerifier({
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
});

export { PersonalAccessTokenService } from './personal-access-token.service';
export { PersonalAccessTokenResolver } from './personal-access-token.resolver';
export { PersonalAccessTokenType } from './personal-access-token.type';
export { personalAccessTokenNodes } from './personal-access-token.nodes';

declare module '../../core/ids' {
  /** The ids this module makes. */
  interface IdPrefixes {
    pat: 'a personal access token';
  }
}
