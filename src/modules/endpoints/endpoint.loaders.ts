import type DataLoader from 'dataloader';
import { mapLoader, perRequest } from '../../core/graphql/loaders';
import type { TokenRecord } from '../../core/tokens/token.entity';
import type { Context } from '../../context';
import type { Assignment, Endpoint } from './endpoint.entity';
import type { PrimaryTokenView } from './endpoint.service';

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
