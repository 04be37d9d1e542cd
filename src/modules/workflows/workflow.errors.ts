import { AppError, ErrorCode } from '../../core/errors';

export const WorkflowErrors = {
  notFound: (id: string) => AppError.notFound('Workflow', id),
  noToken: (workflowId: string) => AppError.notFound('Token of workflow', workflowId),
  alreadyRevoked: (workflowId: string) => AppError.conflict(`The token of workflow ${JSON.stringify(workflowId)} is already revoked.`, 'ALREADY_REVOKED'),
  notRefreshable: (workflowId: string, status: string) =>
    AppError.conflict(
      `The token of workflow ${JSON.stringify(workflowId)} is ${status.toLowerCase()}: regenerate it to make the workflow startable again.`,
      `TOKEN_${status}`,
    ),
  notAComponent: (workflowId: string) =>
    AppError.conflict(`Workflow ${JSON.stringify(workflowId)} has no component start event: it cannot be started from outside.`, 'NOT_A_COMPONENT'),
  invalidRequestSchema: (detail: string) => AppError.badInput('input.requestSchema', `requestSchema is not a valid JSON Schema: ${detail}`),
  revealInList: () =>
    AppError.badInput('reveal', 'A token value is revealed one workflow at a time: query workflow(id) { token { apiEndpoint(reveal: true) } }.'),
  // The external start route.
  startUnauthenticated: (reason: string) => new AppError(ErrorCode.UNAUTHENTICATED, START_MESSAGES[reason] ?? START_MESSAGES.UNKNOWN, { reason }),
  startForbidden: () => AppError.forbidden('Your role may not start workflows.'),
  bodyNotAnObject: () => AppError.badInput('body', 'The request body must be a JSON object (send Content-Type: application/json).'),
  storedSchemaUnsafe: (detail: string) =>
    AppError.conflict(
      `The workflow's request schema was published before today's safety rules and fails them (${detail}); an administrator must publish it again.`,
      'UNSAFE_REQUEST_SCHEMA',
    ),
  bodyInvalid: (detail: string) => AppError.badInput('body', `The request body does not match the workflow's request schema: ${detail}`),
};

/** What the start route says for each refusal: enough to act on, nothing about the token. */
const START_MESSAGES: Record<string, string> = {
  MISSING: 'A workflow token is required: send it in the X-Tessera-Token header or as ?token=, or send Authorization: Bearer <personal access token>.',
  UNKNOWN: "The token is not known here: send this workflow's token, or Authorization: Bearer <personal access token or app access token>.",
  MALFORMED: 'The token is not known.',
  EXPIRED: 'The token has expired.',
  REVOKED: 'The token has been revoked.',
  DISABLED: 'The token is disabled.',
};
