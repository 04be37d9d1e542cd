import { EndpointKind } from './endpoint.kinds';
import type { RequestContext } from '../../core/graphql/request-context';
import type { Config } from '../../core/config';
import type { TokenReader } from '../../core/tokens/token-reader';
import type { EndpointService } from './endpoint.service';
import { visibleOrNull, type NodeSource } from '../../core/graphql/node';

import { ENDPOINT_READERS } from './endpoint.resolver';
import { EndpointPrimaryTokenType, EndpointTokenType, EndpointType } from './endpoint.type';

/** What this file's resolvers use of the request (see RequestContext). */
type Context = RequestContext<{ config: Config; endpoints: EndpointService; tokenRecords: TokenReader }>;

/** Endpoints and their tokens are read by the roles that read endpoints, as `endpoint(id)` and `endpointTokens`. */
function mayRead(ctx: Context): boolean {
  return ctx.viewer !== null && ENDPOINT_READERS.includes(ctx.viewer.role);
}

export const endpointNodes: NodeSource<Context>[] = [
  {
    prefix: 'end',
    typeName: 'Endpoint',
    async load(ctx, id) {
      if (!mayRead(ctx)) return null;
      const endpoint = await visibleOrNull(() => ctx.services.endpoints.get(ctx.actor(), id));
      return endpoint ? EndpointType.from(endpoint, ctx.services.config.publicUrl) : null;
    },
  },
  {
    prefix: 'ept',
    typeName: 'EndpointPrimaryToken',
    async load(ctx, id, options) {
      if (!mayRead(ctx)) return null;
      const view = await visibleOrNull(() => ctx.services.endpoints.primaryToken(ctx.actor(), id));
      // Never a value where values may not appear (an event's current token).
      return view ? EndpointPrimaryTokenType.from(options?.values === false ? { ...view, secret: null } : view) : null;
    },
  },
  {
    prefix: 'est',
    typeName: 'EndpointToken',
    async load(ctx, id) {
      if (!mayRead(ctx) || !ctx.viewer) return null;
      const record = await ctx.services.tokenRecords.find(ctx.viewer.tenantId, EndpointKind.ENDPOINT_SECONDARY, id);
      return record ? ctx.present(EndpointTokenType, record) : null;
    },
  },
];
