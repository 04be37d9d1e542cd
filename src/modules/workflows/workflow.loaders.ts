import DataLoader from 'dataloader';
import type { Context } from '../../context';
import type { TokenRecord } from '../../core/tokens/token.entity';
import type { Workflow } from './workflow.entity';

export interface WorkflowLoaders {
  tokenByWorkflowId: DataLoader<string, TokenRecord | null>;
  workflowById: DataLoader<string, Workflow | null>;
}

const perRequest = new WeakMap<Context, WorkflowLoaders>();

/** This request's loaders: a list's nested tokens or workflows cost one statement, not one per row. */
export function workflowLoaders(ctx: Context): WorkflowLoaders {
  let loaders = perRequest.get(ctx);
  if (!loaders) {
    const tenantId = ctx.requireViewer().tenantId;
    const { workflows } = ctx.services;
    loaders = {
      tokenByWorkflowId: new DataLoader(async (ids) => {
        const found = await workflows.tokensByWorkflowIds(tenantId, ids);
        return ids.map((id) => found.get(id) ?? null);
      }),
      workflowById: new DataLoader(async (ids) => {
        const found = await workflows.workflowsByIds(tenantId, ids);
        return ids.map((id) => found.get(id) ?? null);
      }),
    };
    perRequest.set(ctx, loaders);
  }
  return loaders;
}
