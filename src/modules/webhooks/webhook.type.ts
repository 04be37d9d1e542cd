import { Field, ID, Int, ObjectType } from 'type-graphql';
import { ConnectionType } from '../../core/graphql/connection';
import { TokenEventType } from '../../core/graphql/enums';
import { Node } from '../../core/graphql/node';
import { DeliveryStatus, type WebhookDelivery, type WebhookEndpoint } from './webhook.entity';

@ObjectType('WebhookEndpoint', {
  implements: Node,
  description: 'An HTTP receiver of token events, signed per Standard Webhooks. Its secret is never shown again after creation or rotation.',
})
export class WebhookEndpointType {
  @Field(() => ID, { description: 'Endpoint id (`whe_…`).' })
  id!: string;

  @Field(() => String, { description: 'Where deliveries are POSTed.' })
  url!: string;

  @Field(() => String, { nullable: true, description: 'What it is for.' })
  description!: string | null;

  @Field(() => [TokenEventType], { description: 'The event types it receives; empty: every type.' })
  eventTypes!: TokenEventType[];

  @Field(() => Boolean, { description: 'Whether deliveries are sent.' })
  enabled!: boolean;

  @Field(() => String, { nullable: true, description: 'FAILING when Tessera switched it off because every delivery failed too long; null otherwise.' })
  disabledReason!: string | null;

  @Field(() => Date, { nullable: true, description: 'Since when every attempt has failed; null after a success.' })
  failingSince!: Date | null;

  @Field(() => Date, { nullable: true, description: 'Until when the previous secret also signs, after a rotation.' })
  previousSecretValidUntil!: Date | null;

  @Field(() => Date, { description: 'When it was created.' })
  createdAt!: Date;

  @Field(() => Date, { description: 'When it last changed.' })
  updatedAt!: Date;

  static from(endpoint: WebhookEndpoint, now: Date): WebhookEndpointType {
    return Object.assign(new WebhookEndpointType(), {
      id: endpoint.id,
      url: endpoint.url,
      description: endpoint.description ?? null,
      eventTypes: (endpoint.eventTypes?.split(',').filter(Boolean) ?? []) as TokenEventType[],
      enabled: endpoint.enabled,
      disabledReason: endpoint.disabledReason ?? null,
      failingSince: endpoint.failingSince ?? null,
      previousSecretValidUntil: endpoint.previousSecretUntil && endpoint.previousSecretUntil > now ? endpoint.previousSecretUntil : null,
      createdAt: endpoint.createdAt,
      updatedAt: endpoint.updatedAt,
    });
  }
}

export const WebhookEndpointConnection = ConnectionType(WebhookEndpointType, 'WebhookEndpoint', 'webhook endpoint');

@ObjectType('WebhookEndpointSecretPayload', { description: 'A webhook endpoint and its signing secret, shown once.' })
export class WebhookEndpointSecretPayload {
  @Field(() => WebhookEndpointType, { description: 'The endpoint.' })
  webhookEndpoint!: WebhookEndpointType;

  @Field(() => String, { description: 'The signing secret (`whsec_…`, Standard Webhooks). Shown once: keep it where the receiver verifies signatures.' })
  secret!: string;
}

@ObjectType('WebhookDelivery', { description: 'One event for one endpoint: its attempts and the last answer.' })
export class WebhookDeliveryType {
  @Field(() => ID, { description: 'Delivery id (`whd_…`), sent as `webhook-id`: the same across retries.' })
  id!: string;

  @Field(() => ID, { description: 'The endpoint.' })
  endpointId!: string;

  @Field(() => ID, { description: 'The token event delivered (its id in tokenEvents).' })
  eventId!: string;

  @Field(() => TokenEventType, { description: 'The event type.' })
  eventType!: TokenEventType;

  @Field(() => DeliveryStatus, { description: 'PENDING, SUCCEEDED or FAILED.' })
  status!: DeliveryStatus;

  @Field(() => Int, { description: 'Attempts made so far.' })
  attempts!: number;

  @Field(() => Int, { nullable: true, description: "The receiver's last HTTP status; null when it could not be reached." })
  lastStatusCode!: number | null;

  @Field(() => String, { nullable: true, description: 'Why the last attempt failed.' })
  lastError!: string | null;

  @Field(() => String, { nullable: true, description: "The first 256 characters of the receiver's last answer." })
  lastResponse!: string | null;

  @Field(() => Date, { nullable: true, description: 'When the next attempt is due; null when none is.' })
  nextAttemptAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the receiver accepted it.' })
  deliveredAt!: Date | null;

  @Field(() => Date, { description: 'When the delivery was created (soon after its event).' })
  createdAt!: Date;

  static from(delivery: WebhookDelivery): WebhookDeliveryType {
    return Object.assign(new WebhookDeliveryType(), {
      id: delivery.id,
      endpointId: delivery.endpointId,
      eventId: String(delivery.eventId),
      eventType: delivery.eventType as TokenEventType,
      status: delivery.status,
      attempts: delivery.attempts,
      lastStatusCode: delivery.lastStatusCode ?? null,
      lastError: delivery.lastError ?? null,
      lastResponse: delivery.lastResponse ?? null,
      nextAttemptAt: delivery.nextAttemptAt ?? null,
      deliveredAt: delivery.deliveredAt ?? null,
      createdAt: delivery.createdAt,
    });
  }
}

export const WebhookDeliveryConnection = ConnectionType(WebhookDeliveryType, 'WebhookDelivery', 'webhook delivery');
