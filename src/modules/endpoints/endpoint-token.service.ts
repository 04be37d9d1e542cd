import { EndpointKind } from './endpoint.kinds';
import { UniqueConstraintViolationException, type FilterQuery } from '@mikro-orm/core';
import type { Actor } from '../../core/actor';
import { paginate, type Page, type PageRequest } from '../../core/db/paginate';
import { TokenEventRecord, TokenEventType } from '../../core/events/event.entity';
import type { Tx } from '../../core/events/outbox';
import { newId } from '../../core/ids';

import { TokenRecord } from '../../core/tokens/token.entity';
import type { CoreDeps } from '../../deps';
import { EndpointErrors as Errors } from './endpoint.errors';
import { Assignment, Endpoint, HttpMethod } from './endpoint.entity';

/** Secondary endpoint tokens are exactly this many random alphanumerics. */
export const SECONDARY_TOKEN_LENGTH = 64;

export interface NewEndpointToken {
  name: string;
  description?: string | null;
  enabled: boolean;
}

export interface NewAssignment {
  endpointId: string;
  tokenId: string;
  methods: HttpMethod[];
}

/** A secondary token as seen from one endpoint: assigned there or not. */
export interface TokenState {
  id: string;
  token: TokenRecord;
  assignment: Assignment | null;
}

/**
 * Secondary ("endpoint") tokens and their assignments. Every change that can alter what a
 * token may open evicts its cached verification on every instance before it returns.
 */
export class EndpointTokenService {
  constructor(private readonly deps: CoreDeps) {}

  async create(actor: Actor, input: NewEndpointToken): Promise<{ token: TokenRecord; secret: string }> {
    return this.deps.lifecycle.run(actor, (tx) =>
      this.deps.tokens.issue(tx, {
        kind: EndpointKind.ENDPOINT_SECONDARY,
        tenantId: actor.tenantId,
        name: input.name,
        description: input.description,
        plainLength: SECONDARY_TOKEN_LENGTH,
        revealable: true,
        disabled: !input.enabled,
      }),
    );
  }

  /** Newest first; `active` true (active only), false (inactive only) or null (all). */
  async list(actor: Actor, request: PageRequest & { active?: boolean | null }): Promise<Page<TokenRecord>> {
    const where: FilterQuery<TokenRecord> = { kind: EndpointKind.ENDPOINT_SECONDARY, tenantId: actor.tenantId };
    if (request.active === true) where.revokedAt = null;
    if (request.active === false) where.revokedAt = { $ne: null };
    return paginate(this.deps.orm.em.fork(), TokenRecord, where, request);
  }

  /** The current value, for administrators; the read is audited. */
  async reveal(actor: Actor, id: string): Promise<{ token: TokenRecord; secret: string }> {
    return this.deps.lifecycle.run(actor, async (tx) => {
      const token = await this.find(tx, id);
      const secret = await this.deps.tokens.reveal(tx, token);
      if (secret === null) throw Errors.tokenNotFound(id);
      tx.audit('endpoint_token.revealed', { type: token.kind, id: token.id, name: token.name });
      return { token, secret };
    });
  }

  /** A new value; the old one stops at once. An inactive token must be activated first. */
  async regenerate(actor: Actor, id: string): Promise<{ token: TokenRecord; secret: string }> {
    return this.deps.lifecycle.run(actor, async (tx) => {
      const token = await this.find(tx, id);
      if (token.revokedAt) throw Errors.inactive(id);
      return this.deps.tokens.regenerate(tx, token, { plainLength: SECONDARY_TOKEN_LENGTH, revealable: true });
    });
  }

  /** Renames a secondary token or changes its description (absent fields stay); audited. */
  async update(actor: Actor, id: string, changes: { name?: string | null; description?: string | null }): Promise<TokenRecord> {
    return this.deps.lifecycle.run(actor, async (tx) => {
      const token = await this.find(tx, id);
      const previous = { name: token.name, description: token.description ?? null };
      this.deps.tokens.describe(tx, token, {
        ...(changes.name != null ? { name: changes.name } : {}),
        ...(changes.description !== undefined ? { description: changes.description || null } : {}),
      });
      tx.audit('endpoint_token.update', { type: token.kind, id: token.id, name: token.name }, { previous });
      return token;
    });
  }

  /** Switches the token on or off everywhere; nothing happens when it already is. */
  async setEnabled(actor: Actor, id: string, enabled: boolean): Promise<TokenRecord> {
    return this.deps.lifecycle.run(actor, async (tx) => {
      const token = await this.find(tx, id);
      if (enabled === !token.disabledAt) return token;
      this.deps.tokens.setEnabled(tx, token, enabled);
      return token;
    });
  }

  async deactivate(actor: Actor, id: string): Promise<TokenRecord> {
    return this.deps.lifecycle.run(actor, async (tx) => {
      const token = await this.find(tx, id);
      if (token.revokedAt) throw Errors.alreadyInactive(id);
      this.deps.tokens.revoke(tx, token, { reason: 'DEACTIVATED' });
      return token;
    });
  }

  async activate(actor: Actor, id: string): Promise<TokenRecord> {
    return this.deps.lifecycle.run(actor, async (tx) => {
      const token = await this.find(tx, id);
      if (!token.revokedAt) throw Errors.alreadyActive(id);
      // A leaked value can only be replaced (regenerate), never revived: its last revocation says why.
      const revoked = await tx.em.findOne(TokenEventRecord, { tokenId: token.id, type: TokenEventType.REVOKED }, { orderBy: { id: 'desc' } });
      if ((revoked?.data as { reason?: unknown } | null | undefined)?.reason === 'LEAKED') throw Errors.leakedValue(id);
      this.deps.tokens.unrevoke(tx, token, { reason: 'ACTIVATED' });
      return token;
    });
  }

  async assign(actor: Actor, input: NewAssignment): Promise<Assignment> {
    try {
      return await this.deps.lifecycle.run(actor, async (tx) => {
        const endpoint = await tx.em.findOne(Endpoint, { id: input.endpointId, tenantId: actor.tenantId });
        if (!endpoint) throw Errors.notFound(input.endpointId);
        const token = await this.find(tx, input.tokenId);
        if (input.methods.includes(HttpMethod.DELETE) && !endpoint.allowDelete) throw Errors.deleteNotAllowed();
        if ((await tx.em.count(Assignment, { endpoint, token })) > 0) throw Errors.alreadyAssigned();
        const assignment = tx.em.create(Assignment, {
          id: newId('asg'),
          tenantId: actor.tenantId,
          endpoint,
          token,
          methods: [...input.methods],
          enabled: true,
          createdAt: tx.now,
          updatedAt: tx.now,
        });
        this.announce(tx, TokenEventType.ASSIGNED, assignment);
        return assignment;
      });
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw Errors.alreadyAssigned();
      throw error;
    }
  }

  /** Switches one assignment: cuts (or restores) that one integration, nothing else. */
  async setAssignmentEnabled(actor: Actor, id: string, enabled: boolean): Promise<Assignment> {
    return this.deps.lifecycle.run(actor, async (tx) => {
      const assignment = await this.findAssignment(tx, id);
      if (assignment.enabled === enabled) return assignment;
      assignment.enabled = enabled;
      assignment.updatedAt = tx.now;
      this.announce(tx, enabled ? TokenEventType.ENABLED : TokenEventType.DISABLED, assignment);
      return assignment;
    });
  }

  /** Removes an assignment; returns it as it was. */
  async unassign(actor: Actor, id: string): Promise<Assignment> {
    return this.deps.lifecycle.run(actor, async (tx) => {
      const assignment = await this.findAssignment(tx, id);
      tx.em.remove(assignment);
      this.announce(tx, TokenEventType.UNASSIGNED, assignment);
      return assignment;
    });
  }

  /**
   * The tenant's secondary tokens as one endpoint sees them, newest first, with their
   * assignment there: at most three statements whatever the page size.
   */
  async statesOn(actor: Actor, endpointId: string, request: PageRequest & { hideUnassigned?: boolean | null }): Promise<Page<TokenState>> {
    const em = this.deps.orm.em.fork();
    const where: FilterQuery<TokenRecord> = { kind: EndpointKind.ENDPOINT_SECONDARY, tenantId: actor.tenantId };
    if (request.hideUnassigned) {
      const assigned = await em.find(Assignment, { endpoint: endpointId }, { fields: ['token'] });
      where.id = { $in: assigned.map((assignment) => assignment.token.id) };
    }
    const page = await paginate(em, TokenRecord, where, request);
    const assignments = page.items.length ? await em.find(Assignment, { endpoint: endpointId, token: { $in: page.items.map((token) => token.id) } }) : [];
    const byToken = new Map(assignments.map((assignment) => [assignment.token.id, assignment]));
    return { ...page, items: page.items.map((token) => ({ id: token.id, token, assignment: byToken.get(token.id) ?? null })) };
  }

  /** Assignments of several tokens (one statement), for loaders. */
  async assignmentsOf(actor: Actor, tokenIds: readonly string[]): Promise<Map<string, Assignment[]>> {
    const rows = await this.deps.orm.em.fork().find(Assignment, { token: { $in: [...tokenIds] }, tenantId: actor.tenantId }, { orderBy: { id: 'asc' } });
    const byToken = new Map<string, Assignment[]>(tokenIds.map((id) => [id, []]));
    for (const row of rows) byToken.get(row.token.id)?.push(row);
    return byToken;
  }

  /** Secondary tokens by id (one statement), for loaders. */
  async byIds(actor: Actor, ids: readonly string[]): Promise<Map<string, TokenRecord>> {
    const rows = await this.deps.orm.em.fork().find(TokenRecord, { id: { $in: [...ids] }, kind: EndpointKind.ENDPOINT_SECONDARY, tenantId: actor.tenantId });
    return new Map(rows.map((row) => [row.id, row]));
  }

  /** An assignment event names the token, with the endpoint as its subject; caches forget the token. */
  private announce(tx: Tx, type: TokenEventType, assignment: Assignment): void {
    tx.evict(assignment.token.id);
    tx.emit(
      type,
      assignment.token,
      { method: assignment.methods.join(','), detail: `assignment ${assignment.id}` },
      { type: 'endpoint', id: assignment.endpoint.id },
    );
  }

  private async find(tx: Tx, id: string): Promise<TokenRecord> {
    return this.deps.tokens.findOfKind(tx, EndpointKind.ENDPOINT_SECONDARY, id, () => Errors.tokenNotFound(id));
  }

  private async findAssignment(tx: Tx, id: string): Promise<Assignment> {
    const assignment = await tx.em.findOne(Assignment, { id, tenantId: tx.actor.tenantId }, { populate: ['token'] });
    if (!assignment) throw Errors.assignmentNotFound(id);
    return assignment;
  }
}
