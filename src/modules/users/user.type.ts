import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ConnectionType } from '../../core/graphql/connection';
import { UserStatus } from './people.service';
import { Role } from '../../core/graphql/enums';
import type { Tenant, User } from './user.entity';
import { Node } from '../../core/graphql/node';

@ObjectType('Tenant', { description: 'An organisation: every record belongs to one, and nothing crosses between them.' })
export class TenantType {
  @Field(() => ID, { description: 'Tenant id (`ten_…`).' })
  id!: string;

  @Field(() => String, { description: 'Display name.' })
  name!: string;

  @Field(() => Int, { description: 'The longest life, in days, a personal access token may be given here.' })
  maxTokenLifetimeDays!: number;

  static from(tenant: Tenant): TenantType {
    return Object.assign(new TenantType(), { id: tenant.id, name: tenant.name, maxTokenLifetimeDays: tenant.maxTokenLifetimeDays });
  }
}

@ObjectType('User', { implements: Node, description: 'A person who calls the API with personal access tokens.' })
export class UserType {
  @Field(() => ID, { description: 'User id (`usr_…`).' })
  id!: string;

  @Field(() => String, { description: 'Email address.' })
  email!: string;

  @Field(() => String, { description: 'Display name.' })
  name!: string;

  @Field(() => Role, { description: 'What the user may do.' })
  role!: Role;

  @Field(() => Date, { description: 'When the user was created.' })
  createdAt!: Date;

  @Field(() => UserStatus, { description: 'ACTIVE, or DEACTIVATED: none of their tokens works until an administrator reactivates them.' })
  status!: UserStatus;

  @Field(() => Date, { nullable: true, description: 'When the user was deactivated; null while active.' })
  deactivatedAt!: Date | null;

  static from(user: User): UserType {
    return Object.assign(new UserType(), {
      id: user.id,
      email: user.email,
      name: user.name,
      role: user.role,
      createdAt: user.createdAt,
      status: user.deactivatedAt ? UserStatus.DEACTIVATED : UserStatus.ACTIVE,
      deactivatedAt: user.deactivatedAt ?? null,
    });
  }
}

registerEnumType(UserStatus, {
  name: 'UserStatus',
  description: 'Whether a person may use their tokens.',
  valuesConfig: {
    ACTIVE: { description: 'Their tokens work (each by its own state).' },
    DEACTIVATED: { description: 'Deactivated by an administrator: every token that acts as them is refused (DISABLED) until reactivated.' },
  },
});

export const UserConnection = ConnectionType(UserType, 'User', 'user');

@ObjectType('Viewer', { description: 'Who is calling: the user or app the presented token acts as.' })
export class ViewerType {
  @Field(() => ID, { description: 'The user or app id.' })
  id!: string;

  @Field(() => String, { description: '`user` or `app`.' })
  type!: string;

  @Field(() => String, { description: 'Display name.' })
  name!: string;

  @Field(() => String, { nullable: true, description: 'Email address, for users.' })
  email!: string | null;

  @Field(() => Role, { description: 'The role the caller acts with.' })
  role!: Role;

  @Field(() => TenantType, { description: "The caller's tenant." })
  tenant!: TenantType;

  @Field(() => ID, { description: 'The id of the token this request was authenticated with.' })
  tokenId!: string;
}

@ObjectType('CreateUserPayload', { description: 'The new user and a first personal access token for them.' })
export class CreateUserPayload {
  @Field(() => UserType, { description: 'The new user.' })
  user!: UserType;

  @Field(() => String, { description: "The user's first personal access token (7 days). Shown once: hand it over now." })
  secret!: string;
}
