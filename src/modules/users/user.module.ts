import { BootstrapValue, Tenant, User } from './user.entity';
import { UserResolver } from './user.resolver';
import { userNodes } from './user.nodes';
import { BootstrapValuesMigration, UsersTablesMigration } from './users.migration';
import type { TesseraModule } from '../module';

/** Everything this module brings to the server (see TesseraModule). */
export const usersModule: TesseraModule = {
  name: 'users',
  entities: [Tenant, User, BootstrapValue],
  migrations: [
    { name: '20261122000002_users', class: UsersTablesMigration },
    { name: '20261204000010_bootstrap_values', class: BootstrapValuesMigration },
  ],
  resolvers: [UserResolver],
  nodes: userNodes,
};
