import type { TokenKindDefinition } from '../../core/tokens/registry';
import { Role } from '../../core/tokens/token-kind';

/** The kinds of token this module owns, by name. */
export const OAuthKind = {
  OAUTH: 'OAUTH',
} as const;

declare module '../../core/tokens/token-kind' {
  /** This module's kinds. */
  interface TokenKinds {
    OAUTH: true;
  }
}

/** The kinds of token this module owns. */
export const oauthKinds: TokenKindDefinition[] = [
  // Values come from the providers: no Tessera prefix, nothing Tessera's verifier accepts.
  {
    kind: OAuthKind.OAUTH,
    idPrefix: 'oat',
    audience: Role.AUTOMATION_ADMIN,
    noun: 'oauth_token',
    description: 'An outbound OAuth token Tessera holds for a third-party provider.',
    warningWindow: false,
  },
];
