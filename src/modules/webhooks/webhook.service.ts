import { DAY } from '../../core/clock';
import type { FilterQuery } from '@mikro-orm/core';
import type { Actor } from '../../core/actor';
import { paginate, type Page, type PageRequest } from '../../core/db/paginate';
import type { Tx } from '../../core/events/outbox';
import { newestEventId, type TokenEventType } from '../../core/events/event.entity';
import { newId } from '../../core/ids';
import { assertPublicDestinationUrl, OutboundPolicy } from '../../core/outbound';
import type { CoreDeps } from '../../deps';
import { DeliveryStatus, WebhookDelivery, WebhookEndpoint } from './webhook.entity';
import { WebhookErrors as Errors } from './webhook.errors';
import { newWebhookSecret } from './webhook.signing';

/** How long the previous secret keeps signing after a rotation. */
export const PREVIOUS_SECRET_MS = DAY;

export interface NewWebhookEndpoint {
  url: string;
  description?: string | null;
  eventTypes?: TokenEventType[] | null;
}

export interface WebhookEndpointChanges {
  url?: string | null;
  description?: string | null;
  eventTypes?: TokenEventType[] | null;
  enabled?: boolean | null;
}

/** The event types an endpoint receives, as stored (null: all). */
export function storedTypes(types: readonly TokenEventType[] | null | undefined): string | null {
  return types?.length ? [...new Set(types)].sort().join(',') : null;
}

/**
 * Webhook endpoints and their deliveries, as administrators manage them. Sending is the
 * worker's (WebhookWorker); here: create (the secret returned once), change, delete, rotate the
 * secret (the previous one also signs for 24 hours), list deliveries, redeliver.
 */
export class WebhookService {
  readonly outbound: OutboundPolicy;

  constructor(private readonly deps: CoreDeps) {
    this.outbound = new OutboundPolicy(deps.config.outboundAllowedHosts);
  }

  /** A destination rule for every stored URL: public, or allowed by the operator; https in production unless allowed. */
  private async checkUrl(url: string): Promise<void> {
    await assertPublicDestinationUrl(url, 'input.url', this.outbound);
    const parsed = new URL(url);
    const port = parsed.port ? Number(parsed.port) : 80;
    if (this.deps.config.production && parsed.protocol !== 'https:' && !this.outbound.allowList.allowsHost(parsed.hostname, port)) throw Errors.httpsRequired();
  }

  async create(actor: Actor, input: NewWebhookEndpoint): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
    await this.checkUrl(input.url);
    const secret = newWebhookSecret();
    return this.deps.lifecycle.run(actor, async (tx) => {
      const id = newId('whe');
      const endpoint = tx.em.create(WebhookEndpoint, {
        sinceEventId: await newestEventId(tx.em),
        id,
        tenantId: actor.tenantId,
        url: input.url,
        description: input.description ?? null,
        eventTypes: storedTypes(input.eventTypes),
        enabled: true,
        secretSealed: this.deps.box.encrypt(secret, id),
        createdById: actor.id,
        createdAt: tx.now,
        updatedAt: tx.now,
      });
      tx.audit('webhook_endpoint.create', { type: 'WebhookEndpoint', id, name: input.url }, { eventTypes: endpoint.eventTypes });
      return { endpoint, secret };
    });
  }

  async list(actor: Actor, request: PageRequest): Promise<Page<WebhookEndpoint>> {
    return paginate(this.deps.orm.em.fork(), WebhookEndpoint, { tenantId: actor.tenantId }, request, 'desc');
  }

  async get(actor: Actor, id: string): Promise<WebhookEndpoint> {
    const endpoint = await this.byId(actor.tenantId, id);
    if (!endpoint) throw Errors.endpointNotFound(id);
    return endpoint;
  }

  /** The tenant's endpoint `id`, or null. */
  byId(tenantId: string, id: string): Promise<WebhookEndpoint | null> {
    return this.deps.orm.em.fork().findOne(WebhookEndpoint, { id, tenantId });
  }

  private async find(tx: Tx, id: string): Promise<WebhookEndpoint> {
    const endpoint = await tx.em.findOne(WebhookEndpoint, { id, tenantId: tx.actor.tenantId });
    if (!endpoint) throw Errors.endpointNotFound(id);
    return endpoint;
  }

  async update(actor: Actor, id: string, changes: WebhookEndpointChanges): Promise<WebhookEndpoint> {
    if (changes.url) await this.checkUrl(changes.url);
    return this.deps.lifecycle.run(actor, async (tx) => {
      const endpoint = await this.find(tx, id);
      if (changes.url) endpoint.url = changes.url;
      if (changes.description !== undefined) endpoint.description = changes.description || null;
      if (changes.eventTypes !== undefined) endpoint.eventTypes = storedTypes(changes.eventTypes);
      if (changes.enabled != null && changes.enabled !== endpoint.enabled) {
        endpoint.enabled = changes.enabled;
        endpoint.disabledReason = null;
        // Switched on again: its failing streak starts over.
        if (changes.enabled) endpoint.failingSince = null;
      }
      endpoint.updatedAt = tx.now;
      tx.audit('webhook_endpoint.update', { type: 'WebhookEndpoint', id, name: endpoint.url }, { ...changes });
      return endpoint;
    });
  }

  async delete(actor: Actor, id: string): Promise<WebhookEndpoint> {
    return this.deps.lifecycle.run(actor, async (tx) => {
      const endpoint = await this.find(tx, id);
      await tx.em.nativeDelete(WebhookDelivery, { endpointId: id });
      tx.em.remove(endpoint);
      tx.audit('webhook_endpoint.delete', { type: 'WebhookEndpoint', id, name: endpoint.url });
      return endpoint;
    });
  }

  /** A new signing secret (returned once); the previous one keeps signing for 24 hours, alongside. */
  async rotateSecret(actor: Actor, id: string): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
    const secret = newWebhookSecret();
    return this.deps.lifecycle.run(actor, async (tx) => {
      const endpoint = await this.find(tx, id);
      endpoint.previousSecretSealed = endpoint.secretSealed;
      endpoint.previousSecretUntil = new Date(tx.now.getTime() + PREVIOUS_SECRET_MS);
      endpoint.secretSealed = this.deps.box.encrypt(secret, id);
      endpoint.updatedAt = tx.now;
      tx.audit('webhook_endpoint.secret_rotated', { type: 'WebhookEndpoint', id, name: endpoint.url });
      return { endpoint, secret };
    });
  }

  async deliveries(actor: Actor, endpointId: string, request: PageRequest & { status?: DeliveryStatus | null }): Promise<Page<WebhookDelivery>> {
    await this.get(actor, endpointId);
    const where: FilterQuery<WebhookDelivery> = { endpointId, tenantId: actor.tenantId, ...(request.status ? { status: request.status } : {}) };
    return paginate(this.deps.orm.em.fork(), WebhookDelivery, where, request, 'desc');
  }

  /** Sends a delivery again, whatever its status: PENDING and due now (one more attempt). */
  async redeliver(actor: Actor, deliveryId: string): Promise<WebhookDelivery> {
    return this.deps.lifecycle.run(actor, async (tx) => {
      const delivery = await tx.em.findOne(WebhookDelivery, { id: deliveryId, tenantId: actor.tenantId });
      if (!delivery) throw Errors.deliveryNotFound(deliveryId);
      Object.assign(delivery, { status: DeliveryStatus.PENDING, nextAttemptAt: tx.now, claimedUntil: null, updatedAt: tx.now });
      tx.audit('webhook_delivery.redeliver', { type: 'WebhookDelivery', id: deliveryId, name: delivery.eventType }, { endpointId: delivery.endpointId });
      return delivery;
    });
  }
}
