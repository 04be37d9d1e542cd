import { AppError } from '../../core/errors';

export const UserErrors = {
  emailTaken: (email: string) => AppError.conflict(`A user with the email ${JSON.stringify(email)} already exists in this tenant.`, 'EMAIL_TAKEN'),
  notFound: (id: string) => AppError.notFound('User', id),
  lastAdmin: (id: string) =>
    AppError.conflict(`User ${id} is the last active administrator of this tenant: make another person an administrator first.`, 'LAST_ADMIN'),
  alreadyDeactivated: (id: string) => AppError.conflict(`User ${id} is already deactivated.`, 'ALREADY_DEACTIVATED'),
  notDeactivated: (id: string) => AppError.conflict(`User ${id} is not deactivated.`, 'NOT_DEACTIVATED'),
};
