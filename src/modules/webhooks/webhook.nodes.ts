import type { NodeSource } from '../../core/graphql/node';
import type { RequestContext } from '../../core/graphql/request-context';
import { Role } from '../../core/tokens/token-kind';
import type { WebhookService } from './webhook.service';
import { WebhookEndpointType } from './webhook.type';

/** What this file's resolvers use of the request (see RequestContext). */
type Context = RequestContext<{ webhooks: WebhookService }>;

/** A webhook endpoint is read by the tenant's administrators. */
export const webhookNodes: NodeSource<Context>[] = [
  {
    prefix: 'whe',
    typeName: 'WebhookEndpoint',
    async load(ctx, id) {
      if (ctx.viewer?.role !== Role.ADMIN) return null;
      const endpoint = await ctx.services.webhooks.byId(ctx.viewer.tenantId, id);
      return endpoint ? WebhookEndpointType.from(endpoint, ctx.now) : null;
    },
  },
];
