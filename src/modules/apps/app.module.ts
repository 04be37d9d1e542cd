import { App } from './app.entity';
import { appKinds, appVerifiers } from './app.kinds';
import { appNodes } from './app.nodes';
import { AppResolver } from './app.resolver';
import { AppsRoleMigration } from './apps-role.migration';
import { AppsTablesMigration } from './apps.migration';
import { oauthRoutes } from './oauth.routes';
import { AppService } from './app.service';
import { defineModule } from '../module';

/** Everything this module brings to the server (see TesseraModule). */
export const appsModule = defineModule({
  name: 'apps',
  kinds: appKinds,
  verifiers: appVerifiers,
  entities: [App],
  migrations: [
    { name: '20261122000020_apps', class: AppsTablesMigration },
    { name: '20261204000020_apps_role', class: AppsRoleMigration },
  ],
  resolvers: [AppResolver],
  routes: [oauthRoutes],
  nodes: appNodes,
  services: (deps) => ({ apps: new AppService(deps) }),
});
