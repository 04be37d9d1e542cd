import { AppError } from '../../core/errors';

export const PersonalAccessTokenErrors = {
  onlyUsers: () => AppError.forbidden('Only users hold personal access tokens; apps use their client credentials.'),
  notFound: (id: string) => AppError.notFound('Personal access token', id),
  alreadyRevoked: (id: string) => AppError.conflict(`Personal access token ${JSON.stringify(id)} is already revoked.`, 'ALREADY_REVOKED'),
  notDeletableWhileActive: (id: string) =>
    AppError.conflict(`Personal access token ${JSON.stringify(id)} is still active: revoke it (or let it expire) before deleting it.`, 'STILL_ACTIVE'),
  expiryRequired: () => AppError.badInput('input.expiresAt', 'A CUSTOM duration needs an end date in expiresAt.'),
  expiryNotAllowed: () => AppError.badInput('input.expiresAt', 'expiresAt is only for the CUSTOM duration.'),
  expiryInPast: () => AppError.badInput('input.expiresAt', 'The end date must be in the future.'),
  expiryTooFar: (maxDays: number) => AppError.badInput('input.expiresAt', `The end date may be at most ${maxDays} days from now (the tenant's maximum).`),
};
