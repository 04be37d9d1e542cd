import type { EntityManager } from '@mikro-orm/core';
import type { Actor } from '../../core/actor';
import { DAY } from '../../core/clock';
import { AppError } from '../../core/errors';
import type { Lifecycle } from '../../core/events/outbox';
import { Tenant } from '../users';
import { PatPolicy } from './personal-access-token.entity';
import { PersonalAccessTokenErrors as Errors } from './personal-access-token.errors';
import { DURATION_DAYS, TokenDuration, type FixedDuration } from './personal-access-token.inputs';

/** A tenant's policy for personal access tokens, as it applies. */
export interface TokenPolicyView {
  defaultDuration: TokenDuration;
  allowedDurations: TokenDuration[];
  allowNonExpiring: boolean;
  maxLifetimeDays: number;
  updatedAt: Date | null;
  updatedById: string | null;
}

/**
 * The defaults reconcile the seeds: seed 003's choices (7, 30, 60 and 90 days, custom) and seed
 * 001's year are offered, 7 days is the default, no token lives without an end (the bootstrap
 * token aside), and the longest life is the tenant's maximum (366 days).
 */
export const DEFAULT_DURATIONS = [
  TokenDuration.DAYS_7,
  TokenDuration.DAYS_30,
  TokenDuration.DAYS_60,
  TokenDuration.DAYS_90,
  TokenDuration.YEAR,
  TokenDuration.CUSTOM,
];

const isFixed = (duration: TokenDuration): duration is FixedDuration => duration in DURATION_DAYS;

/** A new term under the policy: its chosen duration, its end, and a CUSTOM term's length. */
export interface Term {
  duration: TokenDuration;
  expiresAt: Date | null;
  lifetimeSeconds: number | null;
}

/** Reads and changes tenants' policies, and applies one to a new token's term. */
export class TokenPolicies {
  constructor(private readonly lifecycle: Lifecycle) {}

  async read(em: EntityManager, tenantId: string): Promise<TokenPolicyView> {
    const [row, tenant] = await Promise.all([em.findOne(PatPolicy, { tenantId }), em.findOneOrFail(Tenant, { id: tenantId })]);
    return {
      defaultDuration: (row?.defaultDuration as TokenDuration | undefined) ?? TokenDuration.DAYS_7,
      allowedDurations: row ? (row.allowedDurations.split(',').filter(Boolean) as TokenDuration[]) : [...DEFAULT_DURATIONS],
      allowNonExpiring: row?.allowNonExpiring ?? false,
      maxLifetimeDays: tenant.maxTokenLifetimeDays,
      updatedAt: row?.updatedAt ?? null,
      updatedById: row?.updatedById ?? null,
    };
  }

  /** Changes the policy (administrators): the merged result must hold together, or BAD_USER_INPUT naming the field. */
  async update(
    actor: Actor,
    input: {
      defaultPersonalAccessTokenDuration?: TokenDuration | null;
      personalAccessTokenDurations?: TokenDuration[] | null;
      maxPersonalAccessTokenLifetimeDays?: number | null;
      allowNonExpiringPersonalAccessTokens?: boolean | null;
    },
  ): Promise<TokenPolicyView> {
    return this.lifecycle.run(actor, async (tx) => {
      const current = await this.read(tx.em, actor.tenantId);
      const next = {
        defaultDuration: input.defaultPersonalAccessTokenDuration ?? current.defaultDuration,
        allowedDurations: input.personalAccessTokenDurations ? [...new Set(input.personalAccessTokenDurations)] : current.allowedDurations,
        allowNonExpiring: input.allowNonExpiringPersonalAccessTokens ?? current.allowNonExpiring,
        maxLifetimeDays: input.maxPersonalAccessTokenLifetimeDays ?? current.maxLifetimeDays,
      };
      check(next);
      const tenant = await tx.em.findOneOrFail(Tenant, { id: actor.tenantId });
      tenant.maxTokenLifetimeDays = next.maxLifetimeDays;
      const row = (await tx.em.findOne(PatPolicy, { tenantId: actor.tenantId })) ?? tx.em.create(PatPolicy, { tenantId: actor.tenantId } as PatPolicy);
      Object.assign(row, {
        defaultDuration: next.defaultDuration,
        allowedDurations: next.allowedDurations.join(','),
        allowNonExpiring: next.allowNonExpiring,
        updatedAt: tx.now,
        updatedById: actor.id,
      });
      tx.audit('token_policy.update', { type: 'Tenant', id: actor.tenantId, name: tenant.name }, { ...next });
      return { ...next, updatedAt: tx.now, updatedById: actor.id };
    });
  }

  /**
   * The term of a new token (or a rotated one) under `policy`: the chosen duration or the
   * tenant's default; BAD_USER_INPUT naming the limit when the policy does not allow it.
   */
  static termOf(policy: TokenPolicyView, input: { duration?: TokenDuration | null; expiresAt?: Date | null }, now: Date): Term {
    const duration = input.duration ?? policy.defaultDuration;
    if (duration !== TokenDuration.CUSTOM && input.expiresAt) throw Errors.expiryNotAllowed();
    if (duration === TokenDuration.NEVER) {
      if (!policy.allowNonExpiring) throw Errors.durationNotAllowed(duration, 'this tenant does not allow tokens without an end');
      return { duration, expiresAt: null, lifetimeSeconds: null };
    }
    if (!policy.allowedDurations.includes(duration)) throw Errors.durationNotAllowed(duration, `this tenant offers ${offered(policy)}`);
    if (duration === TokenDuration.CUSTOM) {
      if (!input.expiresAt) throw Errors.expiryRequired();
      if (input.expiresAt.getTime() <= now.getTime()) throw Errors.expiryInPast();
      if (input.expiresAt.getTime() > now.getTime() + policy.maxLifetimeDays * DAY) throw Errors.expiryTooFar(policy.maxLifetimeDays);
      return { duration, expiresAt: input.expiresAt, lifetimeSeconds: Math.round((input.expiresAt.getTime() - now.getTime()) / 1000) };
    }
    const days = DURATION_DAYS[duration as FixedDuration];
    if (days > policy.maxLifetimeDays) throw Errors.durationNotAllowed(duration, `it is longer than this tenant's maximum of ${policy.maxLifetimeDays} days`);
    return { duration, expiresAt: new Date(now.getTime() + days * DAY), lifetimeSeconds: null };
  }
}

function offered(policy: Pick<TokenPolicyView, 'allowedDurations' | 'allowNonExpiring'>): string {
  return [...policy.allowedDurations, ...(policy.allowNonExpiring ? [TokenDuration.NEVER] : [])].join(', ');
}

/** A policy that holds together. */
function check(next: Omit<TokenPolicyView, 'updatedAt' | 'updatedById'>): void {
  const field = (name: string) => `input.${name}`;
  if (next.allowedDurations.length === 0) throw AppError.badInput(field('personalAccessTokenDurations'), 'Offer at least one duration.');
  if (next.allowedDurations.includes(TokenDuration.NEVER))
    throw AppError.badInput(field('personalAccessTokenDurations'), 'NEVER is not a listed duration: set allowNonExpiringPersonalAccessTokens instead.');
  const tooLong = next.allowedDurations.filter((duration) => isFixed(duration) && DURATION_DAYS[duration] > next.maxLifetimeDays);
  if (tooLong.length)
    throw AppError.badInput(
      field('personalAccessTokenDurations'),
      `${tooLong.join(', ')} ${tooLong.length === 1 ? 'is' : 'are'} longer than the maximum of ${next.maxLifetimeDays} days.`,
    );
  if (next.defaultDuration === TokenDuration.CUSTOM)
    throw AppError.badInput(field('defaultPersonalAccessTokenDuration'), 'The default must be a fixed duration (CUSTOM needs a date).');
  const defaultOffered = next.defaultDuration === TokenDuration.NEVER ? next.allowNonExpiring : next.allowedDurations.includes(next.defaultDuration);
  if (!defaultOffered)
    throw AppError.badInput(field('defaultPersonalAccessTokenDuration'), `The default must be one of the offered durations (${offered(next)}).`);
}
