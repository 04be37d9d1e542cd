import type { TokenKindDefinition } from '../../core/tokens/registry';
import { Role, TokenKind } from '../../core/tokens/token-kind';

/** The kinds of token this module owns. */
export const oauthKinds: TokenKindDefinition[] = [
  // Values come from the providers: no Tessera prefix, nothing Tessera's verifier accepts.
  { kind: TokenKind.OAUTH, idPrefix: 'oat', audience: Role.AUTOMATION_ADMIN, noun: 'oauth_token', warningWindow: false },
];
