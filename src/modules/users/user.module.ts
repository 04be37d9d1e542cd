import { BootstrapValue, Tenant, User } from './user.entity';
import { UserResolver } from './user.resolver';
import { userNodes } from './user.nodes';
import { BootstrapValuesMigration, UsersTablesMigration } from './users.migration';
import { UserService, type FirstTokenIssuer } from './user.service';
import { defineModule, peer } from '../module';

/** Everything this module brings to the server (see TesseraModule). */
export const usersModule = defineModule({
  name: 'users',
  entities: [Tenant, User, BootstrapValue],
  migrations: [
    { name: '20261122000002_users', class: UsersTablesMigration },
    { name: '20261204000010_bootstrap_values', class: BootstrapValuesMigration },
  ],
  resolvers: [UserResolver],
  nodes: userNodes,
  services: (deps, peers: { personalAccessTokens?: { issueFor: FirstTokenIssuer } }) => ({
    // A new person's first token is a personal access token, made by that module when it is called.
    users: new UserService(deps, (tx, user, options) => peer(peers, 'personalAccessTokens').issueFor(tx, user, options)),
  }),
});
