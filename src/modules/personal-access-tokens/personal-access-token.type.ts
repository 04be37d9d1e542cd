import type { WarningWindows } from '../../core/tokens/token-status';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { TokenDuration } from './personal-access-token.inputs';
import type { TokenPolicyView } from './personal-access-token.policy';
import { ConnectionType } from '../../core/graphql/connection';
import { TokenFields, tokenFields } from '../../core/graphql/token-base.type';
import type { ListedToken, TokenRecord } from '../../core/tokens/token.entity';
import { Node } from '../../core/graphql/node';

/** What the list of personal access tokens reads of each (and so selects). */
export type ListedPersonalAccessToken = ListedToken & Pick<TokenRecord, 'ownerId'>;

@ObjectType('PersonalAccessToken', {
  implements: Node,
  description: 'A personal access token: acts as its owner, no more. Its value is shown once, at creation.',
  simpleResolvers: true,
})
export class PersonalAccessTokenType extends TokenFields {
  @Field(() => ID, { description: 'The user the token acts as.' })
  ownerId!: string;

  static from(record: ListedPersonalAccessToken, now: Date, windows: WarningWindows): PersonalAccessTokenType {
    return Object.assign(new PersonalAccessTokenType(), tokenFields(record, now, windows), { ownerId: record.ownerId ?? '' });
  }
}

export const PersonalAccessTokenConnection = ConnectionType(PersonalAccessTokenType, 'PersonalAccessToken', 'personal access token');

@ObjectType('CreatePersonalAccessTokenPayload', { description: 'The new token and its value.' })
export class CreatePersonalAccessTokenPayload {
  @Field(() => PersonalAccessTokenType, { description: 'The new token.' })
  token!: PersonalAccessTokenType;

  @Field(() => String, { description: 'The value. Shown once: it is stored only as a hash.' })
  secret!: string;

  @Field(() => String, {
    description: 'A curl command that works as pasted (asks the API who this token acts as), then, commented, how to start a workflow with it.',
  })
  curlExample!: string;
}

@ObjectType('RotatePersonalAccessTokenPayload', { description: 'The rotated token and its new value.' })
export class RotatePersonalAccessTokenPayload {
  @Field(() => PersonalAccessTokenType, { description: 'The token, with its new term.' })
  token!: PersonalAccessTokenType;

  @Field(() => String, { description: 'The new value. Shown once: it is stored only as a hash.' })
  secret!: string;

  @Field(() => Date, { nullable: true, description: 'Until when the previous value keeps working; null: it stopped at once.' })
  graceEndsAt!: Date | null;
}

@ObjectType('TokenPolicy', {
  description: "The tenant's policy for personal access tokens (administrators change it with updateTokenPolicy). Tokens already made keep their terms.",
})
export class TokenPolicyType {
  @Field(() => TokenDuration, { description: 'What a new token gets when no duration is chosen (7 days unless changed).' })
  defaultPersonalAccessTokenDuration!: TokenDuration;

  @Field(() => [TokenDuration], { description: 'The durations offered when making a token (CUSTOM: an end date up to the maximum).' })
  personalAccessTokenDurations!: TokenDuration[];

  @Field(() => Int, { description: 'The longest life, in days, a token may be given.' })
  maxPersonalAccessTokenLifetimeDays!: number;

  @Field(() => Boolean, { description: 'Whether a token may be made without an end (duration NEVER).' })
  allowNonExpiringPersonalAccessTokens!: boolean;

  @Field(() => Date, { nullable: true, description: 'When an administrator last changed it; null: the defaults.' })
  updatedAt!: Date | null;

  static from(policy: TokenPolicyView): TokenPolicyType {
    return Object.assign(new TokenPolicyType(), {
      defaultPersonalAccessTokenDuration: policy.defaultDuration,
      personalAccessTokenDurations: policy.allowedDurations,
      maxPersonalAccessTokenLifetimeDays: policy.maxLifetimeDays,
      allowNonExpiringPersonalAccessTokens: policy.allowNonExpiring,
      updatedAt: policy.updatedAt,
    });
  }
}
