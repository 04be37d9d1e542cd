import type DataLoader from 'dataloader';
import { mapLoader, perRequest } from '../../core/graphql/loaders';
import type { RequestContext } from '../../core/graphql/request-context';
import type { WorkflowService } from './workflow.service';
import type { TokenRecord } from '../../core/tokens/token.entity';
import type { Workflow } from './workflow.entity';

/** What this file's resolvers use of the request (see RequestContext). */
type Context = RequestContext<{ workflows: WorkflowService }>;

export interface WorkflowLoaders {
  tokenByWorkflowId: DataLoader<string, TokenRecord | null>;
  workflowById: DataLoader<string, Workflow | null>;
}

/** This request's loaders: a list's nested tokens or workflows cost one statement, not one per row. */
export const workflowLoaders = perRequest((ctx: Context): WorkflowLoaders => {
  const tenantId = ctx.requireViewer().tenantId;
  const { workflows } = ctx.services;
  return {
    tokenByWorkflowId: mapLoader((ids) => workflows.tokensByWorkflowIds(tenantId, ids), null),
    workflowById: mapLoader((ids) => workflows.workflowsByIds(tenantId, ids), null),
  };
});
