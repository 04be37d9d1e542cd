import DataLoader from 'dataloader';
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

const perRequest = new WeakMap<Context, EndpointLoaders>();

/** This request's loaders (made on first use; they live and die with the context). */
export function endpointLoaders(ctx: Context): EndpointLoaders {
  let loaders = perRequest.get(ctx);
  if (loaders) return loaders;
  const actor = ctx.actor();
  const { endpoints, endpointTokens } = ctx.services;
  loaders = {
    endpointById: new DataLoader(async (ids) => {
      const found = await endpoints.byIds(actor, ids);
      return ids.map((id) => found.get(id) ?? null);
    }),
    secondaryTokenById: new DataLoader(async (ids) => {
      const found = await endpointTokens.byIds(actor, ids);
      return ids.map((id) => found.get(id) ?? null);
    }),
    assignmentsByToken: new DataLoader(async (ids) => {
      const found = await endpointTokens.assignmentsOf(actor, ids);
      return ids.map((id) => found.get(id) ?? []);
    }),
    primaryTokensByEndpoint: new DataLoader(async (ids) => {
      const found = await endpoints.primaryTokensOf(actor, ids);
      return ids.map((id) => found.get(id) ?? []);
    }),
  };
  perRequest.set(ctx, loaders);
  return loaders;
}
