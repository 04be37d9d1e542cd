export { webhooksModule } from './webhook.module';
export { WebhookService } from './webhook.service';
export { WebhookWorker, retryDelayMs } from './webhook.worker';
export { DeliveryStatus, WebhookCursor, WebhookDelivery, WebhookEndpoint } from './webhook.entity';
