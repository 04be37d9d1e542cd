import type { TokenKindDefinition } from '../../core/tokens/registry';
import { Role } from '../../core/tokens/token-kind';

/** The kinds of token this module owns, by name. */
export const WorkflowKind = {
  WORKFLOW: 'WORKFLOW',
} as const;

declare module '../../core/tokens/token-kind' {
  /** This module's kinds. */
  interface TokenKinds {
    WORKFLOW: true;
  }
}

/** The kinds of token this module owns. */
export const workflowKinds: TokenKindDefinition[] = [
  {
    kind: WorkflowKind.WORKFLOW,
    prefix: 'tsw',
    idPrefix: 'wft',
    audience: Role.AUTOMATION_ADMIN,
    noun: 'workflow_token',
    description: 'The token that starts a component workflow from outside.',
  },
];
