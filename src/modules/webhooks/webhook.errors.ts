import { AppError } from '../../core/errors';

export const WebhookErrors = {
  endpointNotFound: (id: string) => AppError.notFound('Webhook endpoint', id),
  deliveryNotFound: (id: string) => AppError.notFound('Webhook delivery', id),
  httpsRequired: () =>
    AppError.badInput('input.url', 'input.url must be an https:// URL in production (an operator can allow a host with TESSERA_OUTBOUND_ALLOWED_HOSTS).'),
};
