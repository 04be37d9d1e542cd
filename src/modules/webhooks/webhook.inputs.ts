import { ArrayMaxSize, IsOptional, MaxLength } from 'class-validator';
import { ArgsType, Field, ID, InputType, registerEnumType } from 'type-graphql';
import { PageArgs } from '../../core/graphql/connection';
import { TokenEventType } from '../../core/graphql/enums';
import { IsDescription } from '../../core/graphql/validation';
import { DeliveryStatus } from './webhook.entity';

registerEnumType(DeliveryStatus, {
  name: 'WebhookDeliveryStatus',
  description: 'Where a webhook delivery stands.',
  valuesConfig: {
    PENDING: { description: 'Not delivered yet: waiting for its next attempt.' },
    SUCCEEDED: { description: 'The receiver answered 2xx.' },
    FAILED: { description: 'Every attempt failed (or its endpoint is gone or disabled); redeliverWebhook sends it again.' },
  },
});

@InputType({ description: 'A new webhook endpoint.' })
export class CreateWebhookEndpointInput {
  @Field(() => String, {
    description:
      'Where deliveries are POSTed: a public http(s) URL (https in production), or one TESSERA_OUTBOUND_ALLOWED_HOSTS allows. Redirects are not followed.',
  })
  @MaxLength(2000)
  url!: string;

  @Field(() => String, { nullable: true, description: 'What it is for, up to 1000 characters.' })
  @IsDescription()
  description?: string | null;

  @Field(() => [TokenEventType], { nullable: true, description: 'The event types it receives; absent or empty: every type.' })
  @IsOptional()
  @ArrayMaxSize(20)
  eventTypes?: TokenEventType[] | null;
}

@InputType({ description: 'Changes to a webhook endpoint; fields left out stay as they are.' })
export class UpdateWebhookEndpointInput {
  @Field(() => String, { nullable: true, description: 'New URL (the same rules as at creation).' })
  @IsOptional()
  @MaxLength(2000)
  url?: string | null;

  @Field(() => String, { nullable: true, description: 'New description; an empty string clears it.' })
  @IsDescription()
  description?: string | null;

  @Field(() => [TokenEventType], { nullable: true, description: 'New event types; an empty list: every type.' })
  @IsOptional()
  @ArrayMaxSize(20)
  eventTypes?: TokenEventType[] | null;

  @Field(() => Boolean, { nullable: true, description: 'Switches it off (deliveries stop; due ones are marked FAILED) or on again.' })
  enabled?: boolean | null;
}

@ArgsType()
export class WebhookDeliveriesArgs extends PageArgs {
  @Field(() => ID, { description: 'The endpoint (`whe_…`).' })
  endpointId!: string;

  @Field(() => DeliveryStatus, { nullable: true, description: 'Only deliveries in this state.' })
  status?: DeliveryStatus | null;
}
