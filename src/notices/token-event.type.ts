import { ArrayMaxSize, IsOptional, Max, Min } from 'class-validator';
import { ArgsType, Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { TokenEventType, TokenKindEnum, TokenStatus, type TokenKind } from '../core/graphql/enums';
import type { TokenEventRecord } from '../core/events/event.entity';

@ObjectType('TokenRef', {
  description:
    "What an event says of its token, as it was right after the event: still readable after the token is deleted. Never its value. It has `tokenId`, not `id`, so that normalized client caches (Apollo, urql graphcache, Relay) keep each event's snapshot apart instead of merging them into one object; the token as it is now is the event's `currentToken`.",
})
export class TokenRefType {
  @Field(() => ID, { description: 'The token id (`pat_…`, `wft_…`): fetch the token itself with `node(id:)`.' })
  tokenId!: string;

  @Field(() => TokenKindEnum, { description: 'Its kind.' })
  kind!: string;

  @Field(() => String, { description: 'Its name when the event happened.' })
  name!: string;

  @Field(() => TokenStatus, { description: 'Its status right after the event.' })
  status!: string;

  @Field(() => Date, { nullable: true, description: 'Its end right after the event.' })
  expiresAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'What it opens: `workflow`, `endpoint`, `app` or `provider`.' })
  subjectType!: string | null;

  @Field(() => ID, { nullable: true, description: 'The id of the workflow, endpoint, app or provider it opens.' })
  subjectId!: string | null;

  @Field(() => ID, { nullable: true, description: 'The user or app it belongs to.' })
  ownerId!: string | null;
}

@ObjectType('EventActor', { description: 'Who caused an event.' })
export class EventActorType {
  @Field(() => String, { description: '`user`, `app` or `system` (Tessera itself: expiry, proactive refresh).' })
  type!: string;

  @Field(() => ID, { nullable: true, description: 'The user or app id.' })
  id!: string | null;

  @Field(() => String, { nullable: true, description: 'Display name.' })
  name!: string | null;
}

@ObjectType('TokenEvent', {
  description: 'A change to a token, as a notice. Ids increase monotonically: pass the last one you saw as `after` to get what you missed.',
})
export class TokenEventView {
  @Field(() => ID, { description: 'Monotonically increasing event id (also the cursor).' })
  id!: string;

  @Field(() => TokenEventType, { description: 'What happened.' })
  type!: TokenEventType;

  @Field(() => TokenRefType, { description: 'The token it happened to.' })
  token!: TokenRefType;

  @Field(() => ID, { description: 'The tenant.' })
  tenantId!: string;

  @Field(() => EventActorType, { description: 'Who caused it.' })
  actor!: EventActorType;

  @Field(() => Date, { description: 'When it happened.' })
  occurredAt!: Date;

  @Field(() => Int, { nullable: true, description: 'For EXPIRING_SOON: the warning threshold crossed, in days.' })
  thresholdDays!: number | null;

  @Field(() => Int, { nullable: true, description: 'For EXPIRING_SOON: seconds left until the token expires.' })
  secondsLeft!: number | null;

  @Field(() => Date, { nullable: true, description: 'For REGENERATED with a grace: when the previous value stops working.' })
  graceEndsAt!: Date | null;

  @Field(() => String, {
    nullable: true,
    description:
      'Why, where the event has a reason (REFRESH_FAILED, a leak report), or, for DELETED of an outbound OAuth token, what became of its grant at the provider: PROVIDER_REVOKED, PROVIDER_NOT_ASKED or PROVIDER_CANNOT_REVOKE.',
  })
  reason!: string | null;

  static from(event: TokenEventRecord): TokenEventView {
    const data = event.data ?? {};
    return Object.assign(new TokenEventView(), {
      id: String(event.id),
      type: event.type,
      tenantId: event.tenantId,
      occurredAt: new Date(event.occurredAt),
      token: {
        tokenId: event.tokenId,
        kind: event.tokenKind,
        name: event.tokenName,
        status: event.tokenStatus,
        expiresAt: event.tokenExpiresAt ? new Date(event.tokenExpiresAt) : null,
        subjectType: event.subjectType ?? null,
        subjectId: event.subjectId ?? null,
        ownerId: event.ownerId ?? null,
      },
      actor: { type: event.actorType, id: event.actorId ?? null, name: event.actorName ?? null },
      thresholdDays: data.thresholdDays ?? null,
      secondsLeft: data.secondsLeft ?? null,
      graceEndsAt: data.graceEndsAt ? new Date(data.graceEndsAt) : null,
      reason: data.reason ?? null,
    });
  }
}

const LIST = { nullable: true } as const;

@InputType({ description: 'Which events to receive. Every list narrows (AND across fields, OR within one); empty or absent means all.' })
export class TokenEventFilter {
  @Field(() => [TokenKindEnum], { ...LIST, description: 'Only these kinds of token.' })
  @IsOptional()
  @ArrayMaxSize(20)
  kinds?: TokenKind[] | null;

  @Field(() => [TokenEventType], { ...LIST, description: 'Only these event types.' })
  @IsOptional()
  @ArrayMaxSize(20)
  types?: TokenEventType[] | null;

  @Field(() => [ID], { ...LIST, description: 'Only these tokens.' })
  @IsOptional()
  @ArrayMaxSize(100)
  tokenIds?: string[] | null;

  @Field(() => [ID], { ...LIST, description: 'Only tokens of these workflows.' })
  @IsOptional()
  @ArrayMaxSize(100)
  workflowIds?: string[] | null;

  @Field(() => [ID], { ...LIST, description: 'Only tokens of these endpoints.' })
  @IsOptional()
  @ArrayMaxSize(100)
  endpointIds?: string[] | null;

  @Field(() => [ID], { ...LIST, description: 'Only tokens of these apps.' })
  @IsOptional()
  @ArrayMaxSize(100)
  appIds?: string[] | null;

  @Field(() => [ID], { ...LIST, description: 'Only tokens of these OAuth providers.' })
  @IsOptional()
  @ArrayMaxSize(100)
  providerIds?: string[] | null;
}

@ArgsType()
export class TokenEventsArgs {
  @Field(() => Int, { nullable: true, defaultValue: 50, description: 'How many events, 1 to 100.' })
  @Min(1)
  @Max(100)
  first: number = 50;

  @Field(() => ID, { nullable: true, description: 'Only events after this event id, oldest first.' })
  after?: string | null;

  @Field(() => TokenEventFilter, { nullable: true, description: 'Narrows the events.' })
  filter?: TokenEventFilter | null;
}

@ArgsType()
export class NoticeSubscriptionArgs {
  @Field(() => TokenEventFilter, { nullable: true, description: 'Narrows the events.' })
  filter?: TokenEventFilter | null;

  @Field(() => ID, { nullable: true, description: 'First replay every event after this id that you missed, then go live.' })
  after?: string | null;
}
