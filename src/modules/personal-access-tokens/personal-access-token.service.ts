import { PatKind } from './personal-access-token.kinds';
import type { FilterQuery } from '@mikro-orm/core';
import type { Actor } from '../../core/actor';
import type { TokenScope } from '../../core/auth/scopes';
import { DAY } from '../../core/clock';
import { paginate, type Page, type PageRequest } from '../../core/db/paginate';
import type { Tx } from '../../core/events/outbox';
import { Role, TokenStatus } from '../../core/tokens/token-kind';
import { statusFilter, tokenStatus } from '../../core/tokens/token-status';
import { TOKEN_FIELD_PROPERTIES, TokenRecord } from '../../core/tokens/token.entity';
import type { CoreDeps } from '../../deps';
import type { User } from '../users';
import { PatSettings } from './personal-access-token.entity';
import { PersonalAccessTokenErrors as Errors } from './personal-access-token.errors';
import { DURATION_DAYS, TokenDuration, type FixedDuration } from './personal-access-token.inputs';
import { TokenPolicies, type Term, type TokenPolicyView } from './personal-access-token.policy';
import type { ListedPersonalAccessToken } from './personal-access-token.type';

export interface NewPersonalAccessToken {
  name: string;
  description?: string | null;
  duration?: TokenDuration | null;
  expiresAt?: Date | null;
  scopes?: TokenScope[] | null;
}

/** Which tokens a list shows. */
export interface PatListFilter {
  status?: TokenStatus | null;
  owner?: string | null;
  expiresBefore?: Date | null;
}

/** What a token was made with, as its type shows it. */
export interface PatSettingsView {
  duration: TokenDuration;
  scopes: TokenScope[];
}

/** Who asks for a rotation: the token the request came with, and whether it has scopes. */
export interface RotationCaller {
  tokenId: string | null;
  scoped: boolean;
}

/** Personal access tokens: issued to and acting as their owner, under the tenant's policy. */
export class PersonalAccessTokenService {
  readonly policies: TokenPolicies;

  constructor(private readonly deps: CoreDeps) {
    this.policies = new TokenPolicies(deps.lifecycle);
  }

  async create(actor: Actor, input: NewPersonalAccessToken): Promise<{ token: TokenRecord; secret: string }> {
    if (actor.type !== 'user' || !actor.id) throw Errors.onlyUsers();
    const ownerId = actor.id;
    return this.deps.lifecycle.run(actor, async (tx) => {
      const term = TokenPolicies.termOf(await this.policies.read(tx.em, actor.tenantId), input, tx.now);
      const issued = await this.deps.tokens.issue(tx, {
        kind: PatKind.PERSONAL_ACCESS,
        tenantId: actor.tenantId,
        name: input.name,
        description: input.description,
        ownerId,
        expiresAt: term.expiresAt,
      });
      this.keepSettings(tx, issued.token, term, input.scopes);
      return issued;
    });
  }

  /** A user's first token (creation, bootstrap), inside the caller's transaction. */
  async issueFor(tx: Tx, owner: User, options: { name: string; presetValue?: string; neverExpires?: boolean }): Promise<string> {
    const term: Term = options.neverExpires
      ? { duration: TokenDuration.NEVER, expiresAt: null, lifetimeSeconds: null }
      : { duration: TokenDuration.DAYS_7, expiresAt: new Date(tx.now.getTime() + DURATION_DAYS[TokenDuration.DAYS_7] * DAY), lifetimeSeconds: null };
    const { token, secret } = await this.deps.tokens.issue(tx, {
      kind: PatKind.PERSONAL_ACCESS,
      tenantId: owner.tenantId,
      name: options.name,
      ownerId: owner.id,
      expiresAt: term.expiresAt,
      presetValue: options.presetValue,
    });
    this.keepSettings(tx, token, term, null);
    return secret;
  }

  private keepSettings(tx: Tx, token: TokenRecord, term: Term, scopes: readonly TokenScope[] | null | undefined): void {
    tx.em.create(PatSettings, {
      tokenId: token.id,
      duration: term.duration,
      lifetimeSeconds: term.lifetimeSeconds,
      scopes: scopes?.length ? [...new Set(scopes)].sort().join(',') : null,
    });
  }

  /**
   * Tokens newest first. `everyone` (administrators' tenant-wide list): every owner, or the one
   * named; otherwise the caller's own, or — for an administrator — the owner named.
   */
  async list(actor: Actor, request: PageRequest & { filter?: PatListFilter | null }, everyone = false): Promise<Page<ListedPersonalAccessToken>> {
    const now = this.deps.clock.now();
    const filter = request.filter ?? {};
    const owner = filter.owner ?? (everyone ? null : actor.id);
    if (owner && owner !== actor.id && actor.role !== Role.ADMIN) throw Errors.othersTokens();
    const where: FilterQuery<TokenRecord> = { kind: PatKind.PERSONAL_ACCESS, tenantId: actor.tenantId, ...(owner ? { ownerId: owner } : {}) };
    const parts: FilterQuery<TokenRecord>[] = [where];
    if (filter.status) parts.push(statusFilter(PatKind.PERSONAL_ACCESS, filter.status, now, this.deps.kinds));
    if (filter.expiresBefore) parts.push({ expiresAt: { $ne: null, $lt: filter.expiresBefore } });
    return paginate(this.deps.orm.em.fork(), TokenRecord, parts.length === 1 ? where : { $and: parts }, request, 'desc', {
      readOnly: true,
      fields: [...TOKEN_FIELD_PROPERTIES, 'ownerId'],
    });
  }

  /** The tenant's policy, as it applies to the caller. */
  async policy(actor: Actor): Promise<TokenPolicyView> {
    return this.policies.read(this.deps.orm.em.fork(), actor.tenantId);
  }

  /** The duration and scopes of several tokens (those made before they were kept: read from the term, no scopes). */
  async settingsOf(tokens: readonly Pick<TokenRecord, 'id' | 'createdAt' | 'expiresAt'>[]): Promise<Map<string, PatSettingsView>> {
    const rows = await this.deps.orm.em.fork().find(PatSettings, { tokenId: { $in: tokens.map((token) => token.id) } });
    const kept = new Map(rows.map((row) => [row.tokenId, row]));
    return new Map(
      tokens.map((token) => {
        const row = kept.get(token.id);
        return [
          token.id,
          row
            ? { duration: row.duration as TokenDuration, scopes: (row.scopes?.split(',').filter(Boolean) ?? []) as TokenScope[] }
            : { duration: inferredDuration(token), scopes: [] },
        ];
      }),
    );
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

  /**
   * Deletes a revoked or expired token; CONFLICT while it still works — unless `revokeFirst`,
   * which revokes it (REVOKED, on every instance) and deletes it in one transaction.
   */
  async delete(actor: Actor, id: string, revokeFirst = false): Promise<TokenRecord> {
    return this.deps.lifecycle.run(actor, async (tx) => {
      const token = await this.findManageable(tx, id);
      const status = tokenStatus(token, tx.now, this.deps.kinds);
      if (status === TokenStatus.ACTIVE || status === TokenStatus.EXPIRING) {
        if (!revokeFirst) throw Errors.notDeletableWhileActive(id);
        this.deps.tokens.revoke(tx, token);
      }
      await this.deps.tokens.delete(tx, token);
      await tx.em.nativeDelete(PatSettings, { tokenId: token.id });
      return token;
    });
  }

  /**
   * A new value for the owner's token, with the same name, scopes and duration (a new term from
   * now, within today's policy). The previous value stops at once, on every instance, or after
   * `graceSeconds`. A token may rotate itself (an automation that hears EXPIRING_SOON swaps its
   * own token); a token with scopes may rotate only itself.
   */
  async rotate(
    actor: Actor,
    caller: RotationCaller,
    id: string,
    graceSeconds: number,
  ): Promise<{ token: TokenRecord; secret: string; graceEndsAt: Date | null }> {
    return this.deps.lifecycle.run(actor, async (tx) => {
      const token = await this.deps.tokens.findOfKind(tx, PatKind.PERSONAL_ACCESS, id, () => Errors.notFound(id));
      if (token.ownerId !== actor.id) throw actor.role === Role.ADMIN ? Errors.onlyOwnerRotates() : Errors.notFound(id);
      if (caller.scoped && caller.tokenId !== id) throw Errors.scopedRotatesItself();
      const status = tokenStatus(token, tx.now, this.deps.kinds);
      if (status === TokenStatus.REVOKED || status === TokenStatus.EXPIRED) throw Errors.notActive(id);
      const settings = await tx.em.findOne(PatSettings, { tokenId: id });
      const term = this.rotatedTerm(await this.policies.read(tx.em, actor.tenantId), settings, token, tx.now);
      if (!settings) this.keepSettings(tx, token, term, null);
      return this.deps.tokens.regenerate(tx, token, { graceMs: graceSeconds * 1000, expiresAt: term.expiresAt });
    });
  }

  /** The same duration from now, capped by today's policy (its maximum; no endless term it no longer allows). */
  private rotatedTerm(policy: TokenPolicyView, settings: PatSettings | null, token: TokenRecord, now: Date): Term {
    const duration = (settings?.duration as TokenDuration | undefined) ?? inferredDuration(token);
    const max = policy.maxLifetimeDays * DAY;
    if (duration === TokenDuration.NEVER && policy.allowNonExpiring) return { duration, expiresAt: null, lifetimeSeconds: null };
    const length =
      duration === TokenDuration.CUSTOM
        ? (settings?.lifetimeSeconds ?? Math.round(((token.expiresAt?.getTime() ?? now.getTime()) - token.createdAt.getTime()) / 1000)) * 1000
        : duration === TokenDuration.NEVER
          ? max
          : DURATION_DAYS[duration as FixedDuration] * DAY;
    return { duration, expiresAt: new Date(now.getTime() + Math.min(Math.max(length, 60_000), max)), lifetimeSeconds: settings?.lifetimeSeconds ?? null };
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

/** The duration of a token made before durations were kept, read from its term. */
function inferredDuration(token: Pick<TokenRecord, 'createdAt' | 'expiresAt'>): TokenDuration {
  if (!token.expiresAt) return TokenDuration.NEVER;
  const days = (token.expiresAt.getTime() - token.createdAt.getTime()) / DAY;
  const fixed = (Object.entries(DURATION_DAYS) as [FixedDuration, number][]).find(([, n]) => n === days);
  return fixed ? fixed[0] : TokenDuration.CUSTOM;
}
