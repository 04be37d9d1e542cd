export { oauthModule } from './oauth.module';
export { oauthKinds } from './oauth.kinds';
export { OAuthProvider, OAuthToken } from './oauth.entity';
export { OAuthTablesMigration } from './oauth.migration';
export { OAuthRepairMigration } from './oauth-repair.migration';
export { OAuthService } from './oauth.service';
export { OAuthResolver } from './oauth.resolver';
export { oauthCallbackRoutes } from './oauth.routes';
export { oauthNodes } from './oauth.nodes';
