import { BootstrapValue, Tenant, User } from './user.entity';
import { UserResolver } from './user.resolver';
import { userNodes } from './user.nodes';
import { BootstrapValuesMigration, UsersStatusMigration, UsersTablesMigration } from './users.migration';
import { PeopleService, type TokensActingFor } from './people.service';
import { PeopleResolver } from './people.resolver';
import type { TokenRecord } from '../../core/tokens/token.entity';
import { UserService, type FirstTokenIssuer } from './user.service';
import { defineModule, peer } from '../module';

/** Everything this module brings to the server (see TesseraModule). */
export const usersModule = defineModule({
  name: 'users',
  entities: [Tenant, User, BootstrapValue],
  migrations: [
    { name: '20261122000002_users', class: UsersTablesMigration },
    { name: '20261204000010_bootstrap_values', class: BootstrapValuesMigration },
    { name: '20261205000020_users_status', class: UsersStatusMigration },
  ],
  resolvers: [UserResolver, PeopleResolver],
  nodes: userNodes,
  services: (deps, peers: { personalAccessTokens?: { issueFor: FirstTokenIssuer }; apps?: { tokensActingFor: TokensActingFor } }) => ({
    // A new person's first token is a personal access token, made by that module when it is called.
    users: new UserService(deps, (tx, user, options) => peer(peers, 'personalAccessTokens').issueFor(tx, user, options)),
    // The apps a person made act for them too (when this server has apps).
    people: new PeopleService(deps, async (tx, userId): Promise<TokenRecord[]> => (peers.apps ? peers.apps.tokensActingFor(tx, userId) : [])),
  }),
});
