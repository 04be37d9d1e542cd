import type { TokenKindDefinition } from '../../core/tokens/registry';
import { Role } from '../../core/tokens/token-kind';
import { VerifyReason, type KindVerifier } from '../../verify';
import { Assignment, EndpointPrimaryToken } from './endpoint.entity';

/** The kinds of token this module owns, by name. */
export const EndpointKind = {
  ENDPOINT_PRIMARY: 'ENDPOINT_PRIMARY',
  ENDPOINT_SECONDARY: 'ENDPOINT_SECONDARY',
} as const;

declare module '../../core/tokens/token-kind' {
  /** This module's kinds. */
  interface TokenKinds {
    ENDPOINT_PRIMARY: true;
    ENDPOINT_SECONDARY: true;
  }
}

/** What a secondary token's snapshot keeps of its assignments. */
type AssignmentsByEndpoint = Record<string, { methods: string[]; enabled: boolean }>;

/** The kinds of token this module owns. */
export const endpointKinds: TokenKindDefinition[] = [
  {
    kind: EndpointKind.ENDPOINT_PRIMARY,
    prefix: 'tse',
    idPrefix: 'ept',
    audience: Role.ADMIN,
    noun: 'endpoint_primary_token',
    description: "An endpoint's primary token for one HTTP method.",
  },
  {
    kind: EndpointKind.ENDPOINT_SECONDARY,
    idPrefix: 'est',
    audience: Role.ADMIN,
    noun: 'endpoint_token',
    description: 'A named secondary endpoint token, assigned to endpoints.',
  },
];

/** What verification adds for this module's kinds. */
export const endpointVerifiers: KindVerifier[] = [
  /** A primary token opens its own endpoint, for its own method. */
  {
    kind: EndpointKind.ENDPOINT_PRIMARY,
    async enrich(snapshot, em) {
      const link = await em.findOne(EndpointPrimaryToken, { token: snapshot.tokenId });
      return { method: link?.method ?? null };
    },
    check(snapshot, request) {
      if (request.endpointId === undefined) return null;
      if (snapshot.subjectId !== request.endpointId) return VerifyReason.NOT_ASSIGNED;
      if (request.method !== undefined && snapshot.extra.method !== request.method) return VerifyReason.WRONG_METHOD;
      return null;
    },
  },
  /**
   * A secondary token opens the endpoints it is assigned to, for the assigned methods, while the
   * assignment is enabled. Assignment changes evict the token, so the snapshot never goes stale.
   */
  {
    kind: EndpointKind.ENDPOINT_SECONDARY,
    async enrich(snapshot, em) {
      const rows = await em.find(Assignment, { token: snapshot.tokenId });
      const assignments: AssignmentsByEndpoint = {};
      for (const row of rows) assignments[row.endpoint.id] = { methods: row.methods, enabled: row.enabled };
      return { assignments };
    },
    check(snapshot, request) {
      if (request.endpointId === undefined) return null;
      const assignment = (snapshot.extra.assignments as AssignmentsByEndpoint | undefined)?.[request.endpointId];
      if (!assignment) return VerifyReason.NOT_ASSIGNED;
      if (request.method !== undefined && !assignment.methods.includes(request.method)) return VerifyReason.WRONG_METHOD;
      if (!assignment.enabled) return VerifyReason.DISABLED;
      return null;
    },
  },
];
