import { AppError } from '../../core/errors';
import type { Role } from '../../core/tokens/token-kind';

export const AppErrors = {
  notFound: (id: string) => AppError.notFound('App', id),
  alreadyDisabled: (id: string) => AppError.conflict(`App ${JSON.stringify(id)} is already disabled.`, 'ALREADY_DISABLED'),
  alreadyActive: (id: string) => AppError.conflict(`App ${JSON.stringify(id)} is already active.`, 'ALREADY_ACTIVE'),
  roleTooHigh: (allowed: readonly Role[]) =>
    AppError.badInput('input.role', `An app's role cannot be above your own role, and an app is never ADMIN: choose ${allowed.join(' or ')}.`),
  notYours: (id: string) => AppError.forbidden(`App ${JSON.stringify(id)} can be managed by administrators and by the developer who created it, not by you.`),
  secretNotRevealable: (id: string) =>
    AppError.conflict(`The secret of app ${JSON.stringify(id)} cannot be revealed; rotate it to get a new one.`, 'NOT_REVEALABLE'),
};
