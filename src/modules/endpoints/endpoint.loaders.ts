import type DataLoader from 'dataloader';
import { mapLoader, perRequest } from '../../core/graphql/loaders';
import type { TokenRecord } from '../../core/tokens/token.entity';
import type { RequestContext } from '../../core/graphql/request-context';
import type { EndpointService } from './endpoint.service';
import type { EndpointTokenService } from './endpoint-token.service';
import type { Assignment, Endpoint } from './endpoint.entity';
import type { PrimaryTokenView } from './endpoint.service';

/** What this file's resolvers use of the request (see RequestContext). */
type Context = RequestContext<{ endpoints: EndpointService; endpointTokens: EndpointTokenService }>;

/** Per-request batches: each list field costs one statement per request, not one per row. */
export interface EndpointLoaders {
  endpointById: DataLoader<string, Endpoint | null>;
  secondaryTokenById: DataLoader<string, TokenRecord | null>;
  assignmentsByToken: DataLoader<string, Assignment[]>;
  primaryTokensByEndpoint: DataLoader<string, PrimaryTokenView[]>;
}

/** This request's loaders (made on first use; they live and die with the context). */
export const endpointLoaders = perRequest((ctx: Context): EndpointLoaders => {
  const actor = ctx.actor();
  const { endpoints, endpointTokens } = ctx.services;
  return {
    endpointById: mapLoader((ids) => endpoints.byIds(actor, ids), null),
    secondaryTokenById: mapLoader((ids) => endpointTokens.byIds(actor, ids), null),
    assignmentsByToken: mapLoader((ids) => endpointTokens.assignmentsOf(actor, ids), [] as Assignment[]),
    primaryTokensByEndpoint: mapLoader((ids) => endpoints.primaryTokensOf(actor, ids), [] as PrimaryTokenView[]),
  };
});
