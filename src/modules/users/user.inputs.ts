import { IsEmail, MaxLength } from 'class-validator';
import { ArgsType, Field, InputType } from 'type-graphql';
import { IsOptional } from 'class-validator';
import { PageArgs } from '../../core/graphql/connection';
import { UserStatus } from './people.service';
import { Role } from '../../core/graphql/enums';
import { IsDisplayName } from '../../core/graphql/validation';

@InputType({ description: 'A new user of this tenant.' })
export class CreateUserInput {
  @Field(() => String, { description: 'Email address, unique in the tenant.' })
  @IsEmail({}, { message: 'must be an email address' })
  @MaxLength(254)
  email!: string;

  @Field(() => String, { description: 'Display name, 1 to 100 characters.' })
  @IsDisplayName()
  name!: string;

  @Field(() => Role, { description: 'What the user may do.' })
  role!: Role;
}

@InputType({ description: 'Changes to a person; fields left out stay as they are.' })
export class UpdateUserInput {
  @Field(() => String, { nullable: true, description: 'New display name, 1 to 100 characters.' })
  @IsOptional()
  @IsDisplayName()
  name?: string | null;

  @Field(() => Role, {
    nullable: true,
    description:
      "New role. Takes effect at once: their tokens' cached answers are dropped on every instance, their open connections close with 4422 (reconnect), and their apps are capped again. The last active administrator cannot be demoted (CONFLICT).",
  })
  role?: Role | null;
}

@InputType({ description: 'Which people to list.' })
export class UserFilter {
  @Field(() => UserStatus, { nullable: true, description: 'Only people in this state.' })
  status?: UserStatus | null;

  @Field(() => Role, { nullable: true, description: 'Only people with this role.' })
  role?: Role | null;
}

@ArgsType()
export class UsersArgs extends PageArgs {
  @Field(() => UserFilter, { nullable: true, description: 'Narrows the list.' })
  filter?: UserFilter | null;
}
