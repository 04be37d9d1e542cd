import type { TokenKindDefinition } from '../../core/tokens/registry';
import { Role, TokenKind } from '../../core/tokens/token-kind';

/** The kinds of token this module owns. */
export const workflowKinds: TokenKindDefinition[] = [
  { kind: TokenKind.WORKFLOW, prefix: 'tsw', idPrefix: 'wft', audience: Role.AUTOMATION_ADMIN, noun: 'workflow_token' },
];
