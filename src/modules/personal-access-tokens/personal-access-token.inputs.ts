import { ArgsType, Field, InputType, registerEnumType } from 'type-graphql';
import { PageArgs } from '../../core/graphql/connection';
import { TokenStatus } from '../../core/graphql/enums';
import { IsDescription, IsDisplayName } from '../../core/graphql/validation';

/** How long a new personal access token lives. */
export enum TokenDuration {
  DAYS_7 = 'DAYS_7',
  DAYS_30 = 'DAYS_30',
  DAYS_60 = 'DAYS_60',
  DAYS_90 = 'DAYS_90',
  YEAR = 'YEAR',
  CUSTOM = 'CUSTOM',
}

registerEnumType(TokenDuration, {
  name: 'TokenDuration',
  description: 'How long a new personal access token lives.',
  valuesConfig: {
    DAYS_7: { description: '7 days (the default).' },
    DAYS_30: { description: '30 days.' },
    DAYS_60: { description: '60 days.' },
    DAYS_90: { description: '90 days.' },
    YEAR: { description: 'One year (365 days).' },
    CUSTOM: { description: 'Until `expiresAt`, at most the tenant maximum.' },
  },
});

export const DURATION_DAYS: Record<Exclude<TokenDuration, TokenDuration.CUSTOM>, number> = {
  [TokenDuration.DAYS_7]: 7,
  [TokenDuration.DAYS_30]: 30,
  [TokenDuration.DAYS_60]: 60,
  [TokenDuration.DAYS_90]: 90,
  [TokenDuration.YEAR]: 365,
};

@InputType({ description: 'A new personal access token.' })
export class CreatePersonalAccessTokenInput {
  @Field(() => String, { description: 'What the token is for, 1 to 100 characters.' })
  @IsDisplayName()
  name!: string;

  @Field(() => String, { nullable: true, description: 'Longer notes, up to 1000 characters.' })
  @IsDescription()
  description?: string | null;

  @Field(() => TokenDuration, { defaultValue: TokenDuration.DAYS_7, description: 'How long it lives; 7 days by default.' })
  duration: TokenDuration = TokenDuration.DAYS_7;

  @Field(() => Date, { nullable: true, description: 'The end, for the CUSTOM duration only.' })
  expiresAt?: Date | null;
}

@InputType({ description: 'Which personal access tokens to list.' })
export class PersonalAccessTokenFilter {
  @Field(() => TokenStatus, { nullable: true, description: 'Only tokens in this state.' })
  status?: TokenStatus | null;
}

@ArgsType()
export class PersonalAccessTokensArgs extends PageArgs {
  @Field(() => PersonalAccessTokenFilter, { nullable: true, description: 'Narrows the list.' })
  filter?: PersonalAccessTokenFilter | null;
}
