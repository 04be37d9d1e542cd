import { AppError, ErrorCode } from '../../core/errors';

export const EndpointErrors = {
  primaryTokenNotFound: (id: string) => AppError.notFound('Endpoint primary token', id),
  notFound: (id: string) => AppError.notFound('Endpoint', id),
  tokenNotFound: (id: string) => AppError.notFound('Endpoint token', id),
  assignmentNotFound: (id: string) => AppError.notFound('Assignment', id),
  leakedValue: (id: string) =>
    AppError.conflict(
      `Token ${id} was revoked because its value leaked: a leaked value is never revived. Create a new token to replace it (and delete this one).`,
      'LEAKED_TOKEN',
    ),
  pathTaken: (path: string) =>
    AppError.conflict(`The path ${JSON.stringify(path)} is taken: paths are unique across this Tessera installation; choose another.`, 'PATH_TAKEN'),
  noPrimaryToken: (method: string) =>
    AppError.conflict(
      `This endpoint has no ${method} primary token: it needs TOKEN security${method === 'DELETE' ? ' and allowDelete' : ''}.`,
      'NO_PRIMARY_TOKEN',
    ),
  alreadyAssigned: () => AppError.conflict('This token is already assigned to this endpoint: unassign it first to change its methods.', 'ALREADY_ASSIGNED'),
  deleteNotAllowed: () => AppError.badInput('input.methods', 'DELETE can only be assigned on an endpoint that allows deleting.'),
  alreadyInactive: (id: string) => AppError.conflict(`Endpoint token ${JSON.stringify(id)} is already inactive.`, 'ALREADY_INACTIVE'),
  alreadyActive: (id: string) => AppError.conflict(`Endpoint token ${JSON.stringify(id)} is already active.`, 'ALREADY_ACTIVE'),
  inactive: (id: string) => AppError.conflict(`Endpoint token ${JSON.stringify(id)} is inactive: activate it first.`, 'INACTIVE'),
  ingressNotFound: (path: string) => AppError.notFound('Endpoint at', `/endpoints/${path}`),
  ingressUnauthenticated: (reason: string | null) =>
    new AppError(ErrorCode.UNAUTHENTICATED, 'This endpoint needs a valid token in the X-Tessera-Token header.', { reason: reason ?? undefined }),
  ingressForbidden: (reason: string | null) =>
    new AppError(ErrorCode.FORBIDDEN, 'This token may not call this endpoint with this method.', { reason: reason ?? undefined }),
  fromAfterTo: () => AppError.badInput('to', '`to` must not be before `from`.'),
};
