import { WorkflowKind } from './workflow.kinds';
import type { RequestContext } from '../../core/graphql/request-context';
import type { TokenReader } from '../../core/tokens/token-reader';
import type { WorkflowService } from './workflow.service';
import { visibleOrNull, type NodeSource } from '../../core/graphql/node';

import { WORKFLOW_MANAGERS } from './workflow.service';
import { WorkflowTokenType, WorkflowType } from './workflow.type';

/** What this file's resolvers use of the request (see RequestContext). */
type Context = RequestContext<{ tokenRecords: TokenReader; workflows: WorkflowService }>;

/** Workflows and their tokens are read by the roles that manage them, as `workflow(id)` and `workflowTokens`. */
export const workflowNodes: NodeSource<Context>[] = [
  {
    prefix: 'wfl',
    typeName: 'Workflow',
    async load(ctx, id) {
      const workflow = await visibleOrNull(() => ctx.services.workflows.find(ctx.actor(), id));
      return workflow ? WorkflowType.from(workflow) : null;
    },
  },
  {
    prefix: 'wft',
    typeName: 'WorkflowToken',
    async load(ctx, id) {
      const viewer = ctx.viewer;
      if (!viewer || !WORKFLOW_MANAGERS.includes(viewer.role)) return null;
      const record = await ctx.services.tokenRecords.find(viewer.tenantId, WorkflowKind.WORKFLOW, id);
      return record ? ctx.present(WorkflowTokenType, record) : null;
    },
  },
];
