import type { WarningWindows } from '../../core/tokens/token-status';
import { Field, ID, ObjectType } from 'type-graphql';
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
