import { registerTokenKind } from '../../core/tokens/registry';
import { Role, TokenKind } from '../../core/tokens/token-kind';

// Values come from the providers: no Tessera prefix, nothing Tessera's verifier accepts.
registerTokenKind({ kind: TokenKind.OAUTH, idPrefix: 'oat', audience: Role.AUTOMATION_ADMIN, noun: 'oauth_token', warningWindow: false });

export { OAuthProvider, OAuthToken } from './oauth.entity';
export { OAuthTablesMigration } from './oauth.migration';
export { OAuthRepairMigration } from './oauth-repair.migration';
export { OAuthService } from './oauth.service';
export { OAuthResolver } from './oauth.resolver';
export { oauthCallbackRoutes } from './oauth.routes';
export { oauthNodes } from './oauth.nodes';
