import { Arg, Args, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { PageArgs, toConnection, type ConnectionShape } from '../../core/graphql/connection';
import type { RequestContext } from '../../core/graphql/request-context';
import { Role } from '../../core/tokens/token-kind';
import type { WebhookService } from './webhook.service';
import { CreateWebhookEndpointInput, UpdateWebhookEndpointInput, WebhookDeliveriesArgs } from './webhook.inputs';
import { WebhookDeliveryConnection, WebhookDeliveryType, WebhookEndpointConnection, WebhookEndpointSecretPayload, WebhookEndpointType } from './webhook.type';

/** What this file's resolvers use of the request (see RequestContext). */
type Context = RequestContext<{ webhooks: WebhookService }>;

const ENDPOINT_ID = { description: "The webhook endpoint's id (`whe_…`)." };

/** Webhook endpoints and deliveries: administrators. */
@Resolver()
export class WebhookResolver {
  @Authorized([Role.ADMIN])
  @Query(() => WebhookEndpointConnection, { description: "Your tenant's webhook endpoints, newest first (administrators). Secrets are never listed." })
  async webhookEndpoints(@Args(() => PageArgs) args: PageArgs, @Ctx() ctx: Context): Promise<ConnectionShape<WebhookEndpointType>> {
    const page = await ctx.services.webhooks.list(ctx.actor(), args);
    return toConnection(page, (endpoint) => WebhookEndpointType.from(endpoint, ctx.now));
  }

  @Authorized([Role.ADMIN])
  @Query(() => WebhookEndpointType, { description: 'One webhook endpoint (administrators).' })
  async webhookEndpoint(@Arg('id', () => ID, ENDPOINT_ID) id: string, @Ctx() ctx: Context): Promise<WebhookEndpointType> {
    return WebhookEndpointType.from(await ctx.services.webhooks.get(ctx.actor(), id), ctx.now);
  }

  @Authorized([Role.ADMIN])
  @Query(() => WebhookDeliveryConnection, { description: "An endpoint's deliveries, newest first (administrators)." })
  async webhookDeliveries(@Args(() => WebhookDeliveriesArgs) args: WebhookDeliveriesArgs, @Ctx() ctx: Context): Promise<ConnectionShape<WebhookDeliveryType>> {
    const page = await ctx.services.webhooks.deliveries(ctx.actor(), args.endpointId, { first: args.first, after: args.after, status: args.status });
    return toConnection(page, (delivery) => WebhookDeliveryType.from(delivery));
  }

  @Authorized([Role.ADMIN])
  @Mutation(() => WebhookEndpointSecretPayload, {
    description:
      'Adds a webhook endpoint (administrators): every stored token event of your tenant whose type it selects is POSTed to it, signed. The secret is shown once.',
  })
  async createWebhookEndpoint(
    @Arg('input', () => CreateWebhookEndpointInput, { description: 'The new endpoint.' }) input: CreateWebhookEndpointInput,
    @Ctx() ctx: Context,
  ): Promise<WebhookEndpointSecretPayload> {
    const { endpoint, secret } = await ctx.services.webhooks.create(ctx.actor(), input);
    return Object.assign(new WebhookEndpointSecretPayload(), { webhookEndpoint: WebhookEndpointType.from(endpoint, ctx.now), secret });
  }

  @Authorized([Role.ADMIN])
  @Mutation(() => WebhookEndpointType, { description: 'Changes a webhook endpoint (administrators).' })
  async updateWebhookEndpoint(
    @Arg('id', () => ID, ENDPOINT_ID) id: string,
    @Arg('input', () => UpdateWebhookEndpointInput, { description: 'The changes.' }) input: UpdateWebhookEndpointInput,
    @Ctx() ctx: Context,
  ): Promise<WebhookEndpointType> {
    return WebhookEndpointType.from(await ctx.services.webhooks.update(ctx.actor(), id, input), ctx.now);
  }

  @Authorized([Role.ADMIN])
  @Mutation(() => WebhookEndpointType, { description: 'Deletes a webhook endpoint and its deliveries (administrators). Returns it as it was.' })
  async deleteWebhookEndpoint(@Arg('id', () => ID, ENDPOINT_ID) id: string, @Ctx() ctx: Context): Promise<WebhookEndpointType> {
    return WebhookEndpointType.from(await ctx.services.webhooks.delete(ctx.actor(), id), ctx.now);
  }

  @Authorized([Role.ADMIN])
  @Mutation(() => WebhookEndpointSecretPayload, {
    description:
      'A new signing secret (shown once); the previous one also signs for 24 hours — both signatures in `webhook-signature` — so receivers can switch without losing a delivery.',
  })
  async rotateWebhookSecret(@Arg('id', () => ID, ENDPOINT_ID) id: string, @Ctx() ctx: Context): Promise<WebhookEndpointSecretPayload> {
    const { endpoint, secret } = await ctx.services.webhooks.rotateSecret(ctx.actor(), id);
    return Object.assign(new WebhookEndpointSecretPayload(), { webhookEndpoint: WebhookEndpointType.from(endpoint, ctx.now), secret });
  }

  @Authorized([Role.ADMIN])
  @Mutation(() => WebhookDeliveryType, {
    description: 'Sends a delivery again, whatever its status (administrators): it is PENDING and due now, with the same `webhook-id`.',
  })
  async redeliverWebhook(
    @Arg('deliveryId', () => ID, { description: 'The delivery (`whd_…`).' }) deliveryId: string,
    @Ctx() ctx: Context,
  ): Promise<WebhookDeliveryType> {
    return WebhookDeliveryType.from(await ctx.services.webhooks.redeliver(ctx.actor(), deliveryId));
  }
}
