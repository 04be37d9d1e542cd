import { ArrayMaxSize, IsInt, IsOptional, Max, Min } from 'class-validator';
import { ArgsType, Field, ID, InputType, Int, registerEnumType } from 'type-graphql';
import { TokenScope } from '../../core/graphql/enums';
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
  NEVER = 'NEVER',
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
    NEVER: { description: "No end: only where the tenant's policy allows it (`allowNonExpiringPersonalAccessTokens`)." },
  },
});

/** The durations of a fixed number of days. */
export type FixedDuration = Exclude<TokenDuration, TokenDuration.CUSTOM | TokenDuration.NEVER>;

export const DURATION_DAYS: Record<FixedDuration, number> = {
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

  @Field(() => TokenDuration, {
    nullable: true,
    description:
      "How long it lives; absent: the tenant's default (`tokenPolicy`, 7 days unless an administrator changed it). A duration the policy does not offer is BAD_USER_INPUT naming the limit.",
  })
  duration?: TokenDuration | null;

  @Field(() => Date, { nullable: true, description: 'The end, for the CUSTOM duration only.' })
  expiresAt?: Date | null;

  @Field(() => [TokenScope], {
    nullable: true,
    description:
      "What the token may do below your role (see TokenScope): a gateway's token that only verifies, a CI token that only starts workflows. Absent or empty: all your role allows.",
  })
  @IsOptional()
  @ArrayMaxSize(4)
  scopes?: TokenScope[] | null;
}

@InputType({ description: 'Which personal access tokens to list.' })
export class PersonalAccessTokenFilter {
  @Field(() => TokenStatus, { nullable: true, description: 'Only tokens in this state.' })
  status?: TokenStatus | null;

  @Field(() => ID, {
    nullable: true,
    description:
      'Only the tokens of this person (`usr_…`). In `personalAccessTokens`: you (the default) or, for administrators, anyone of the tenant; in `tenantPersonalAccessTokens`: everyone by default.',
  })
  owner?: string | null;

  @Field(() => Date, { nullable: true, description: 'Only tokens that end before this time (tokens without an end never match).' })
  expiresBefore?: Date | null;
}

@ArgsType()
export class PersonalAccessTokensArgs extends PageArgs {
  @Field(() => PersonalAccessTokenFilter, { nullable: true, description: 'Narrows the list.' })
  filter?: PersonalAccessTokenFilter | null;
}

@InputType({
  description: "Changes to the tenant's policy for personal access tokens; fields left out stay as they are. Tokens already made keep their terms.",
})
export class UpdateTokenPolicyInput {
  @Field(() => TokenDuration, { nullable: true, description: 'What a new token gets when no duration is chosen: one of the offered durations (not CUSTOM).' })
  defaultPersonalAccessTokenDuration?: TokenDuration | null;

  @Field(() => [TokenDuration], {
    nullable: true,
    description:
      'The durations offered (CUSTOM lets people pick an end date up to the maximum). At least one; none longer than the maximum. NEVER is governed by allowNonExpiringPersonalAccessTokens.',
  })
  @IsOptional()
  @ArrayMaxSize(10)
  personalAccessTokenDurations?: TokenDuration[] | null;

  @Field(() => Int, { nullable: true, description: 'The longest life, in days, a token may be given (1 to 3660).' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3660)
  maxPersonalAccessTokenLifetimeDays?: number | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'Whether a token may be made without an end (duration NEVER). Off by default (the bootstrap token aside).',
  })
  allowNonExpiringPersonalAccessTokens?: boolean | null;
}

@ArgsType()
export class RotatePersonalAccessTokenArgs {
  @Field(() => ID, { description: "The token's id." })
  id!: string;

  @Field(() => Int, {
    nullable: true,
    defaultValue: 0,
    description: 'How long the previous value keeps working, in seconds (0 to 3600; 0 by default: it stops at once, on every instance).',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(3600)
  graceSeconds?: number | null;
}
