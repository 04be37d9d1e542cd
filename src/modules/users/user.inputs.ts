import { IsEmail, MaxLength } from 'class-validator';
import { Field, InputType } from 'type-graphql';
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
