import { Workflow, WorkflowInstance } from './workflow.entity';
import { workflowKinds } from './workflow.kinds';
import { workflowNodes } from './workflow.nodes';
import { WorkflowInstanceResolver, WorkflowResolver, WorkflowTokenResolver } from './workflow.resolver';
import { workflowRoutes } from './workflow.routes';
import { WorkflowsTablesMigration } from './workflows.migration';
import type { TesseraModule } from '../module';

/** Everything this module brings to the server (see TesseraModule). */
export const workflowsModule: TesseraModule = {
  name: 'workflows',
  kinds: workflowKinds,
  entities: [Workflow, WorkflowInstance],
  migrations: [{ name: '20261122000010_workflows', class: WorkflowsTablesMigration }],
  resolvers: [WorkflowResolver, WorkflowTokenResolver, WorkflowInstanceResolver],
  routes: [workflowRoutes],
  nodes: workflowNodes,
};
