import { Workflow, WorkflowInstance } from './workflow.entity';
import { workflowKinds } from './workflow.kinds';
import { workflowNodes } from './workflow.nodes';
import { WorkflowInstanceResolver, WorkflowResolver, WorkflowTokenResolver } from './workflow.resolver';
import { workflowRoutes } from './workflow.routes';
import { WorkflowsTablesMigration } from './workflows.migration';
import { WorkflowService } from './workflow.service';
import { WorkflowInstanceService } from './workflow-instance.service';
import { defineModule } from '../module';

/** Everything this module brings to the server (see TesseraModule). */
export const workflowsModule = defineModule({
  name: 'workflows',
  kinds: workflowKinds,
  entities: [Workflow, WorkflowInstance],
  migrations: [{ name: '20261122000010_workflows', class: WorkflowsTablesMigration }],
  resolvers: [WorkflowResolver, WorkflowTokenResolver, WorkflowInstanceResolver],
  routes: [workflowRoutes],
  nodes: workflowNodes,
  services: (deps) => {
    const workflows = new WorkflowService(deps);
    return { workflows, workflowInstances: new WorkflowInstanceService(deps, workflows) };
  },
});
