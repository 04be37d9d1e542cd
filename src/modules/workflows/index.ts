import { registerTokenKind } from '../../core/tokens/registry';
import { Role, TokenKind } from '../../core/tokens/token-kind';

registerTokenKind({ kind: TokenKind.WORKFLOW, prefix: 'tsw', idPrefix: 'wft', audience: Role.AUTOMATION_ADMIN, noun: 'workflow_token' });

export { Workflow, WorkflowInstance, WorkflowStartEvent } from './workflow.entity';
export { WorkflowsTablesMigration } from './workflows.migration';
export { WorkflowService } from './workflow.service';
export { WorkflowInstanceService } from './workflow-instance.service';
export { WorkflowResolver, WorkflowTokenResolver, WorkflowInstanceResolver } from './workflow.resolver';
export { WorkflowType, WorkflowTokenType } from './workflow.type';
export { workflowRoutes } from './workflow.routes';
export { workflowNodes } from './workflow.nodes';
