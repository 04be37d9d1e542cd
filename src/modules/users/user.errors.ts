import { AppError } from '../../core/errors';

export const UserErrors = {
  emailTaken: (email: string) => AppError.conflict(`A user with the email ${JSON.stringify(email)} already exists in this tenant.`, 'EMAIL_TAKEN'),
  notFound: (id: string) => AppError.notFound('User', id),
};
