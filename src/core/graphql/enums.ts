import { registerEnumType } from 'type-graphql';
import { TokenEventType } from '../events/event.entity';
import type { TokenKindDefinition } from '../tokens/registry';
import { Role, TokenStatus, type TokenKind } from '../tokens/token-kind';
import { TokenScope } from '../auth/scopes';

/**
 * The GraphQL `TokenKind` enum: its values are the kinds the modules declare, filled in by
 * {@link declareTokenKinds} before the schema is built (core names no kind).
 */
export const TokenKindEnum: Record<string, TokenKind> = {};
const kindValues: Record<string, { description: string }> = {};

registerEnumType(TokenKindEnum, {
  name: 'TokenKind',
  description: 'The kinds of token Tessera manages.',
  valuesConfig: kindValues,
});

/** Puts the modules' kinds (and their descriptions) into the GraphQL `TokenKind` enum. */
export function declareTokenKinds(definitions: readonly Pick<TokenKindDefinition, 'kind' | 'description'>[]): void {
  for (const { kind, description } of definitions) {
    TokenKindEnum[kind] = kind;
    kindValues[kind] = { description };
  }
}

registerEnumType(TokenStatus, {
  name: 'TokenStatus',
  description: "A token's lifecycle state, computed from its times.",
  valuesConfig: {
    ACTIVE: { description: 'Works, and is not near its end.' },
    EXPIRING: { description: 'Works, but ends inside the warning window.' },
    EXPIRED: { description: 'Its lifetime has ended.' },
    REVOKED: { description: 'Revoked: it stopped working at once.' },
  },
});

registerEnumType(Role, {
  name: 'Role',
  description: 'What a user, or an app, may do. An app is never ADMIN.',
  valuesConfig: {
    ADMIN: { description: 'Global administrator: everything in the tenant.' },
    AUTOMATION_ADMIN: { description: 'Automation administrator: workflows and their tokens.' },
    DEVELOPER: { description: 'Developer: apps and their own tokens.' },
    MEMBER: { description: 'Member: their own personal access tokens.' },
  },
});

registerEnumType(TokenScope, {
  name: 'TokenScope',
  description: "What a personal access token may do below its owner's role. No scopes: all the role allows.",
  valuesConfig: {
    WRITE: { description: "Everything the owner's role allows: every query, mutation and subscription, and the REST routes." },
    READ: { description: 'Read-only API: queries and subscriptions (verifying tokens included); no mutation.' },
    VERIFY: { description: 'Verify tokens only: `verifyToken` and `POST /v1/verify` (a gateway).' },
    START_WORKFLOWS: { description: 'Start workflows only: `POST /api/workflows/{id}/instances` (a CI job).' },
  },
});

export { TokenScope };

registerEnumType(TokenEventType, {
  name: 'TokenEventType',
  description: 'What happened to a token.',
  valuesConfig: {
    CREATED: { description: 'The token was created.' },
    REFRESHED: { description: 'Its life was extended; the value did not change.' },
    REGENERATED: { description: 'A new value replaced the old one (which may work until a grace end).' },
    REVOKED: { description: 'It stopped working at once.' },
    DELETED: { description: 'It was deleted.' },
    DISABLED: { description: 'It (or what it belongs to) was switched off.' },
    ENABLED: { description: 'It (or what it belongs to) was switched on again.' },
    ASSIGNED: { description: 'It was assigned to an endpoint.' },
    UNASSIGNED: { description: 'An assignment was removed.' },
    EXPIRING_SOON: { description: 'It crossed a warning threshold before its end.' },
    EXPIRED: { description: 'Its lifetime ended.' },
    REFRESH_FAILED: { description: 'Tessera could not refresh it at its provider.' },
    RECOVERED: { description: 'A refresh worked again after failing.' },
  },
});

export { Role, TokenEventType, TokenStatus };
export type { TokenKind };
