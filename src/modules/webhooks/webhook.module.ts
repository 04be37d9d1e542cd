import { defineModule } from '../module';
import { WebhookCursor, WebhookDelivery, WebhookEndpoint } from './webhook.entity';
import { WebhooksTablesMigration } from './webhook.migration';
import { webhookNodes } from './webhook.nodes';
import { WebhookResolver } from './webhook.resolver';
import { WebhookService } from './webhook.service';
import { WebhookWorker } from './webhook.worker';

/** Everything this module brings to the server (see TesseraModule). */
export const webhooksModule = defineModule({
  name: 'webhooks',
  entities: [WebhookEndpoint, WebhookDelivery, WebhookCursor],
  migrations: [{ name: '20261205000040_webhooks', class: WebhooksTablesMigration }],
  resolvers: [WebhookResolver],
  nodes: webhookNodes,
  services: (deps) => {
    const webhooks = new WebhookService(deps);
    return { webhooks, webhookWorker: new WebhookWorker(deps, webhooks.outbound) };
  },
  // Fans events out to deliveries and sends them (every instance; each delivery once).
  jobs: (services: { webhookWorker: WebhookWorker }) => [services.webhookWorker],
});
