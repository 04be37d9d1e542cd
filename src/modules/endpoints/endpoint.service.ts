import { EndpointKind } from './endpoint.kinds';
import type { FilterQuery } from '@mikro-orm/core';
import { conflictIfUnique } from '../../core/db/unique';
import type { Actor } from '../../core/actor';
import { paginate, type Page, type PageRequest } from '../../core/db/paginate';
import type { Tx } from '../../core/events/outbox';
import { newId } from '../../core/ids';
import { Role } from '../../core/tokens/token-kind';
import type { TokenRecord } from '../../core/tokens/token.entity';
import type { CoreDeps } from '../../deps';
import { EndpointErrors as Errors } from './endpoint.errors';
import { Endpoint, EndpointAuthentication, EndpointCall, EndpointPrimaryToken, HttpMethod } from './endpoint.entity';

export interface NewEndpoint {
  name: string;
  path: string;
  authentication: EndpointAuthentication;
  allowDelete: boolean;
}

export interface EndpointChanges {
  name?: string | null;
  path?: string | null;
  authentication?: EndpointAuthentication | null;
  allowDelete?: boolean | null;
}

/** A primary token as the API shows it: the value only for administrators. */
export interface PrimaryTokenView {
  tokenId: string;
  endpointId: string;
  method: HttpMethod;
  start: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  secret: string | null;
}

export interface EndpointCallQuery extends PageRequest {
  endpointId: string;
  tokenId?: string | null;
  method?: HttpMethod | null;
  from?: Date | null;
  to?: Date | null;
}

/** The methods that have a primary token under a configuration. */
export function primaryMethodsFor(endpoint: Pick<Endpoint, 'authentication' | 'allowDelete'>): HttpMethod[] {
  if (endpoint.authentication !== EndpointAuthentication.TOKEN) return [];
  return endpoint.allowDelete ? [HttpMethod.GET, HttpMethod.POST, HttpMethod.DELETE] : [HttpMethod.GET, HttpMethod.POST];
}

/** A primary token is named after its endpoint and method, e.g. `Orders POST`. */
function primaryTokenName(endpoint: Endpoint, method: HttpMethod): string {
  return `${endpoint.name} ${method}`;
}

/**
 * Endpoints, their primary tokens (one per method, created and deleted with the endpoint's
 * security settings) and the record of calls they received.
 */
export class EndpointService {
  constructor(private readonly deps: CoreDeps) {}

  async create(actor: Actor, input: NewEndpoint): Promise<Endpoint> {
    return this.writing(input.path, () =>
      this.deps.lifecycle.run(actor, async (tx) => {
        await this.ensurePathFree(tx, input.path);
        const endpoint = tx.em.create(Endpoint, {
          id: newId('end'),
          tenantId: actor.tenantId,
          name: input.name,
          path: input.path,
          authentication: input.authentication,
          allowDelete: input.allowDelete,
          createdAt: tx.now,
          updatedAt: tx.now,
        });
        tx.audit(
          'endpoint.created',
          { type: 'endpoint', id: endpoint.id, name: endpoint.name },
          { path: endpoint.path, authentication: endpoint.authentication, allowDelete: endpoint.allowDelete },
        );
        for (const method of primaryMethodsFor(endpoint)) await this.issuePrimary(tx, endpoint, method);
        return endpoint;
      }),
    );
  }

  /** Applies changes; primary tokens follow the security settings (created or deleted). */
  async update(actor: Actor, id: string, changes: EndpointChanges): Promise<Endpoint> {
    return this.writing(changes.path ?? '', () =>
      this.deps.lifecycle.run(actor, async (tx) => {
        const endpoint = await this.find(tx, id);
        const before = { name: endpoint.name, path: endpoint.path, authentication: endpoint.authentication, allowDelete: endpoint.allowDelete };
        if (changes.path != null && changes.path !== endpoint.path) {
          await this.ensurePathFree(tx, changes.path);
          endpoint.path = changes.path;
        }
        if (changes.name != null) endpoint.name = changes.name;
        if (changes.authentication != null) endpoint.authentication = changes.authentication;
        if (changes.allowDelete != null) endpoint.allowDelete = changes.allowDelete;
        endpoint.updatedAt = tx.now;

        const wanted = new Set(primaryMethodsFor(endpoint));
        const existing = await tx.em.find(EndpointPrimaryToken, { endpoint }, { populate: ['token'] });
        for (const link of existing) {
          if (wanted.has(link.method)) continue;
          tx.em.remove(link);
          await this.deps.tokens.delete(tx, link.token);
        }
        // Renamed with the endpoint through the token store (cached answers carry the name).
        for (const link of existing) {
          const name = primaryTokenName(endpoint, link.method);
          if (wanted.has(link.method) && link.token.name !== name) this.deps.tokens.describe(tx, link.token, { name });
        }
        const present = new Set(existing.map((link) => link.method));
        for (const method of wanted) if (!present.has(method)) await this.issuePrimary(tx, endpoint, method);

        const changed = Object.fromEntries(
          Object.entries(before)
            .filter(([key, value]) => endpoint[key as keyof typeof before] !== value)
            .map(([key, value]) => [key, { from: value, to: endpoint[key as keyof typeof before] }]),
        );
        tx.audit('endpoint.updated', { type: 'endpoint', id: endpoint.id, name: endpoint.name }, changed);
        return endpoint;
      }),
    );
  }

  async list(actor: Actor, page: PageRequest): Promise<Page<Endpoint>> {
    return paginate(this.deps.orm.em.fork(), Endpoint, { tenantId: actor.tenantId }, page);
  }

  async get(actor: Actor, id: string): Promise<Endpoint> {
    const endpoint = await this.deps.orm.em.fork().findOne(Endpoint, { id, tenantId: actor.tenantId });
    if (!endpoint) throw Errors.notFound(id);
    return endpoint;
  }

  /** Endpoints by id in the actor's tenant (one statement), for loaders. */
  async byIds(actor: Actor, ids: readonly string[]): Promise<Map<string, Endpoint>> {
    const rows = await this.deps.orm.em.fork().find(Endpoint, { id: { $in: [...ids] }, tenantId: actor.tenantId });
    return new Map(rows.map((row) => [row.id, row]));
  }

  /**
   * The primary tokens of several endpoints (two statements whatever their number), values
   * included for administrators only.
   */
  async primaryTokensOf(actor: Actor, endpointIds: readonly string[]): Promise<Map<string, PrimaryTokenView[]>> {
    const em = this.deps.orm.em.fork();
    const links = await em.find(EndpointPrimaryToken, { endpoint: { id: { $in: [...endpointIds] }, tenantId: actor.tenantId } }, { populate: ['token'] });
    const secrets =
      actor.role === Role.ADMIN
        ? await this.deps.tokens.revealMany(
            em,
            links.map((link) => link.token.id),
          )
        : new Map<string, string>();
    const order = [HttpMethod.GET, HttpMethod.POST, HttpMethod.DELETE];
    const byEndpoint = new Map<string, PrimaryTokenView[]>(endpointIds.map((id) => [id, []]));
    for (const link of links.sort((a, b) => order.indexOf(a.method) - order.indexOf(b.method))) {
      byEndpoint.get(link.endpoint.id)?.push(this.view(link, secrets.get(link.token.id) ?? null));
    }
    return byEndpoint;
  }

  /** One primary token of the actor's tenant (its value for administrators only); NOT_FOUND otherwise. */
  async primaryToken(actor: Actor, tokenId: string): Promise<PrimaryTokenView> {
    const em = this.deps.orm.em.fork();
    const link = await em.findOne(EndpointPrimaryToken, { token: tokenId, endpoint: { tenantId: actor.tenantId } }, { populate: ['token'] });
    if (!link) throw Errors.primaryTokenNotFound(tokenId);
    const secrets = actor.role === Role.ADMIN ? await this.deps.tokens.revealMany(em, [tokenId]) : new Map<string, string>();
    return this.view(link, secrets.get(tokenId) ?? null);
  }

  /** Re-creates one primary token: the old value stops at once, on every instance. */
  async generatePrimaryToken(actor: Actor, endpointId: string, method: HttpMethod): Promise<PrimaryTokenView> {
    return this.deps.lifecycle.run(actor, async (tx) => {
      const endpoint = await this.find(tx, endpointId);
      const link = await tx.em.findOne(EndpointPrimaryToken, { endpoint, method }, { populate: ['token'] });
      if (!link) throw Errors.noPrimaryToken(method);
      const { secret } = await this.deps.tokens.regenerate(tx, link.token, { revealable: true });
      return this.view(link, secret);
    });
  }

  /** The calls an endpoint received, newest first, narrowed by token, method and time. */
  async calls(actor: Actor, query: EndpointCallQuery): Promise<Page<EndpointCall>> {
    const em = this.deps.orm.em.fork();
    const endpoint = await em.findOne(Endpoint, { id: query.endpointId, tenantId: actor.tenantId });
    if (!endpoint) throw Errors.notFound(query.endpointId);
    if (query.from && query.to && query.to < query.from) throw Errors.fromAfterTo();
    const where: FilterQuery<EndpointCall> = { endpointId: endpoint.id };
    if (query.tokenId) where.tokenId = query.tokenId;
    if (query.method) where.method = query.method;
    if (query.from || query.to) where.receivedAt = { ...(query.from ? { $gte: query.from } : {}), ...(query.to ? { $lt: query.to } : {}) };
    return paginate(em, EndpointCall, where, query);
  }

  private view(link: EndpointPrimaryToken, secret: string | null): PrimaryTokenView {
    const token: TokenRecord = link.token;
    return {
      tokenId: token.id,
      endpointId: link.endpoint.id,
      method: link.method,
      start: token.start,
      createdAt: token.createdAt,
      lastUsedAt: token.lastUsedAt ?? null,
      secret,
    };
  }

  private async issuePrimary(tx: Tx, endpoint: Endpoint, method: HttpMethod): Promise<void> {
    const { token } = await this.deps.tokens.issue(tx, {
      kind: EndpointKind.ENDPOINT_PRIMARY,
      tenantId: endpoint.tenantId,
      name: primaryTokenName(endpoint, method),
      subjectType: 'endpoint',
      subjectId: endpoint.id,
      revealable: true,
    });
    tx.em.create(EndpointPrimaryToken, { token, endpoint, method });
  }

  private async find(tx: Tx, id: string): Promise<Endpoint> {
    const endpoint = await tx.em.findOne(Endpoint, { id, tenantId: tx.actor.tenantId });
    if (!endpoint) throw Errors.notFound(id);
    return endpoint;
  }

  private async ensurePathFree(tx: Tx, path: string): Promise<void> {
    // Installation-wide: ingress URLs carry no tenant. The answer never says whose it is.
    if ((await tx.em.count(Endpoint, { path })) > 0) throw Errors.pathTaken(path);
  }

  /** Two concurrent writers of one path: the database's unique index decides, read as CONFLICT. */
  private async writing<T>(path: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      throw conflictIfUnique(error, () => Errors.pathTaken(path));
    }
  }
}
