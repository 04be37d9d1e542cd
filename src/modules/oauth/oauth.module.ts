import { OAuthProvider, OAuthToken } from './oauth.entity';
import { oauthKinds } from './oauth.kinds';
import { OAuthTablesMigration } from './oauth.migration';
import { oauthNodes } from './oauth.nodes';
import { OAuthRepairMigration } from './oauth-repair.migration';
import { OAuthResolver } from './oauth.resolver';
import { oauthCallbackRoutes } from './oauth.routes';
import { OAuthService } from './oauth.service';
import { defineModule } from '../module';

/** Everything this module brings to the server (see TesseraModule). */
export const oauthModule = defineModule({
  name: 'oauth',
  kinds: oauthKinds,
  entities: [OAuthProvider, OAuthToken],
  migrations: [
    { name: '20261122000040_oauth', class: OAuthTablesMigration },
    { name: '20261205000010_oauth_repair', class: OAuthRepairMigration },
  ],
  resolvers: [OAuthResolver],
  routes: [oauthCallbackRoutes],
  nodes: oauthNodes,
  // Refreshes outbound tokens ahead of their expiry.
  jobs: (services: { oauth: OAuthService }) => [services.oauth],
  services: (deps) => ({ oauth: new OAuthService(deps) }),
});
