import { AppError } from '../../core/errors';

export const AppErrors = {
  notFound: (id: string) => AppError.notFound('App', id),
  alreadyDisabled: (id: string) => AppError.conflict(`App ${JSON.stringify(id)} is already disabled.`, 'ALREADY_DISABLED'),
  alreadyActive: (id: string) => AppError.conflict(`App ${JSON.stringify(id)} is already active.`, 'ALREADY_ACTIVE'),
  secretNotRevealable: (id: string) => AppError.conflict(`The secret of app ${JSON.stringify(id)} cannot be revealed; rotate it to get a new one.`, 'NOT_REVEALABLE'),
};
