export { usersModule } from './user.module';
export { Tenant, User, BootstrapValue } from './user.entity';
export { UserService, type FirstTokenIssuer, type BootstrapResult } from './user.service';
export { UserResolver } from './user.resolver';
export { UserType, TenantType } from './user.type';
export { UsersTablesMigration, BootstrapValuesMigration, UsersStatusMigration } from './users.migration';
export { PeopleService, UserStatus, type TokensActingFor } from './people.service';
export { CreateUserInput } from './user.inputs';
export { userNodes } from './user.nodes';
