import { PatKind } from './personal-access-token.kinds';
import type { FilterQuery } from '@mikro-orm/core';
import type { Actor } from '../../core/actor';
import { DAY } from '../../core/clock';
import { paginate, type Page, type PageRequest } from '../../core/db/paginate';
import type { Tx } from '../../core/events/outbox';
import { Role, TokenStatus } from '../../core/tokens/token-kind';
import { statusFilter, tokenStatus } from '../../core/tokens/token-status';
import { TOKEN_FIELD_PROPERTIES, TokenRecord } from '../../core/tokens/token.entity';
import type { CoreDeps } from '../../deps';
import { Tenant, type User } from '../users';
import { PersonalAccessTokenErrors as Errors } from './personal-access-token.errors';
import { DURATION_DAYS, TokenDuration } from './personal-access-token.inputs';
import type { ListedPersonalAccessToken } from './personal-access-token.type';

export interface NewPersonalAccessToken {
  name: string;
  description?: string | null;
  duration: TokenDuration;
  expiresAt?: Date | null;
}

/** Personal access tokens: issued to and acting as their owner. */
export class PersonalAccessTokenService {
  constructor(private readonly deps: CoreDeps) {}

  private expiryFor(input: NewPersonalAccessToken, now: Date, maxDays: number): Date {
    if (input.duration !== TokenDuration.CUSTOM) {
      if (input.expiresAt) throw Errors.expiryNotAllowed();
      return new Date(now.getTime() + DURATION_DAYS[input.duration] * DAY);
    }
    if (!input.expiresAt) throw Errors.expiryRequired();
    if (input.expiresAt.getTime() <= now.getTime()) throw Errors.expiryInPast();
    if (input.expiresAt.getTime() > now.getTime() + maxDays * DAY) throw Errors.expiryTooFar(maxDays);
    return input.expiresAt;
  }

  async create(actor: Actor, input: NewPersonalAccessToken): Promise<{ token: TokenRecord; secret: string }> {
    if (actor.type !== 'user' || !actor.id) throw Errors.onlyUsers();
    const ownerId = actor.id;
    return this.deps.lifecycle.run(actor, async (tx) => {
      const tenant = await tx.em.findOneOrFail(Tenant, { id: actor.tenantId });
      const expiresAt = this.expiryFor(input, tx.now, tenant.maxTokenLifetimeDays);
      return this.deps.tokens.issue(tx, {
        kind: PatKind.PERSONAL_ACCESS,
        tenantId: actor.tenantId,
        name: input.name,
        description: input.description,
        ownerId,
        expiresAt,
      });
    });
  }

  /** A user's first token (creation, bootstrap), inside the caller's transaction. */
  async issueFor(tx: Tx, owner: User, options: { name: string; presetValue?: string; neverExpires?: boolean }): Promise<string> {
    const { secret } = await this.deps.tokens.issue(tx, {
      kind: PatKind.PERSONAL_ACCESS,
      tenantId: owner.tenantId,
      name: options.name,
      ownerId: owner.id,
      expiresAt: options.neverExpires ? null : new Date(tx.now.getTime() + DURATION_DAYS[TokenDuration.DAYS_7] * DAY),
      presetValue: options.presetValue,
    });
    return secret;
  }

  /** The caller's own tokens, newest first: the same list whichever tenant they look from. */
  async list(actor: Actor, request: PageRequest & { status?: TokenStatus | null }): Promise<Page<ListedPersonalAccessToken>> {
    const now = this.deps.clock.now();
    const where: FilterQuery<TokenRecord> = { kind: PatKind.PERSONAL_ACCESS, ownerId: actor.id ?? '' };
    if (request.status) Object.assign(where, statusFilter(PatKind.PERSONAL_ACCESS, request.status, now, this.deps.kinds));
    return paginate(this.deps.orm.em.fork(), TokenRecord, where, request, 'desc', { readOnly: true, fields: [...TOKEN_FIELD_PROPERTIES, 'ownerId'] });
  }

  /** The owner's token, or any in the tenant for an administrator; NOT_FOUND otherwise. */
  private async findManageable(tx: Tx, id: string): Promise<TokenRecord> {
    const token = await this.deps.tokens.findOfKind(tx, PatKind.PERSONAL_ACCESS, id, () => Errors.notFound(id));
    if (token.ownerId !== tx.actor.id && tx.actor.role !== Role.ADMIN) throw Errors.notFound(id);
    return token;
  }

  async revoke(actor: Actor, id: string): Promise<TokenRecord> {
    return this.deps.lifecycle.run(actor, async (tx) => {
      const token = await this.findManageable(tx, id);
      if (token.revokedAt) throw Errors.alreadyRevoked(id);
      this.deps.tokens.revoke(tx, token);
      return token;
    });
  }

  /** Deletes a revoked or expired token; CONFLICT while it still works. */
  async delete(actor: Actor, id: string): Promise<TokenRecord> {
    return this.deps.lifecycle.run(actor, async (tx) => {
      const token = await this.findManageable(tx, id);
      const status = tokenStatus(token, tx.now, this.deps.kinds);
      if (status === TokenStatus.ACTIVE || status === TokenStatus.EXPIRING) throw Errors.notDeletableWhileActive(id);
      await this.deps.tokens.delete(tx, token);
      return token;
    });
  }

  /**
   * A curl command that works as pasted: it asks the API who the token acts as. A commented
   * second command shows how it starts a workflow (seed 003: the curl to refer back to when
   * calling the API), the workflow's id left to fill in.
   */
  curlExample(secret: string): string {
    const url = this.deps.config.publicUrl;
    return [
      [
        `curl -s '${url}/graphql'`,
        `  -H 'Authorization: Bearer ${secret}'`,
        `  -H 'Content-Type: application/json'`,
        `  -d '{"query":"{ viewer { name role tenant { name } } }"}'`,
      ].join(' \\\n'),
      '# To start a workflow with it (its id is on the Workflows page):',
      `# curl -X POST '${url}/api/workflows/<workflow-id>/instances' -H 'Authorization: Bearer ${secret}' -H 'Content-Type: application/json' -d '{}'`,
    ].join('\n');
  }
}
