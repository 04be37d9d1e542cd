import type { TokenKindDefinition } from '../../core/tokens/registry';
import { Role } from '../../core/tokens/token-kind';
import { VerifyReason, type KindVerifier } from '../../verify';
import { User } from '../users';
import type { TokenScope } from '../../core/auth/scopes';
import { PatSettings } from './personal-access-token.entity';

/** The kinds of token this module owns, by name. */
export const PatKind = {
  PERSONAL_ACCESS: 'PERSONAL_ACCESS',
} as const;

declare module '../../core/tokens/token-kind' {
  /** This module's kinds. */
  interface TokenKinds {
    PERSONAL_ACCESS: true;
  }
}

/** The kinds of token this module owns. */
export const personalAccessTokenKinds: TokenKindDefinition[] = [
  {
    kind: PatKind.PERSONAL_ACCESS,
    prefix: 'tsp',
    idPrefix: 'pat',
    audience: Role.ADMIN,
    noun: 'personal_access_token',
    description: 'A personal access token: acts as its owner.',
  },
];

/** What verification adds for this module's kinds. */
export const personalAccessTokenVerifiers: KindVerifier[] = [
  /** A PAT acts as its owner, with the owner's current role; not while the owner is deactivated. */
  {
    kind: PatKind.PERSONAL_ACCESS,
    async enrich(snapshot, em) {
      const owner = snapshot.ownerId ? await em.findOne(User, { id: snapshot.ownerId }) : null;
      if (!owner) return {};
      const settings = await em.findOne(PatSettings, { tokenId: snapshot.tokenId });
      return {
        ownerName: owner.name,
        ownerRole: owner.role,
        ownerTenantId: owner.tenantId,
        ...(owner.deactivatedAt ? { ownerDeactivated: true } : {}),
        ...(settings?.scopes ? { scopes: settings.scopes.split(',') } : {}),
      };
    },
    /** A deactivated person's tokens are DISABLED until the person is reactivated. */
    check(snapshot) {
      return (snapshot.extra as { ownerDeactivated?: boolean }).ownerDeactivated ? VerifyReason.DISABLED : null;
    },
    principal(snapshot) {
      const { ownerName, ownerRole, ownerTenantId, scopes } = snapshot.extra as {
        ownerName?: string;
        ownerRole?: Role;
        ownerTenantId?: string;
        scopes?: TokenScope[];
      };
      if (!snapshot.ownerId || !ownerRole || !ownerTenantId) return null;
      return { type: 'user', id: snapshot.ownerId, name: ownerName ?? '', role: ownerRole, tenantId: ownerTenantId, ...(scopes ? { scopes } : {}) };
    },
  },
];
