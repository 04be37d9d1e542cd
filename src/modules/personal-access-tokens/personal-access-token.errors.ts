import { AppError } from '../../core/errors';

export const PersonalAccessTokenErrors = {
  onlyUsers: () => AppError.forbidden('Only users hold personal access tokens; apps use their client credentials.'),
  notFound: (id: string) => AppError.notFound('Personal access token', id),
  othersTokens: () => AppError.forbidden("Only administrators may list another person's tokens."),
  alreadyRevoked: (id: string) => AppError.conflict(`Personal access token ${JSON.stringify(id)} is already revoked.`, 'ALREADY_REVOKED'),
  notDeletableWhileActive: (id: string) =>
    AppError.conflict(`Personal access token ${JSON.stringify(id)} is still active: revoke it (or let it expire) before deleting it.`, 'STILL_ACTIVE'),
  expiryRequired: () => AppError.badInput('input.expiresAt', 'A CUSTOM duration needs an end date in expiresAt.'),
  expiryNotAllowed: () => AppError.badInput('input.expiresAt', 'expiresAt is only for the CUSTOM duration.'),
  expiryInPast: () => AppError.badInput('input.expiresAt', 'The end date must be in the future.'),
  durationNotAllowed: (duration: string, why: string) => AppError.badInput('input.duration', `${duration} is not allowed here: ${why}.`),
  notActive: (id: string) =>
    AppError.conflict(`Personal access token ${JSON.stringify(id)} no longer works (revoked or expired): create a new one.`, 'NOT_ACTIVE'),
  onlyOwnerRotates: () => AppError.forbidden("Only a token's owner may rotate it (the new value would be theirs)."),
  scopedRotatesItself: () => AppError.forbidden('A token with scopes may rotate only itself.'),
  expiryTooFar: (maxDays: number) => AppError.badInput('input.expiresAt', `The end date may be at most ${maxDays} days from now (the tenant's maximum).`),
};
