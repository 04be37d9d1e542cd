import { AppKind } from './app.kinds';
import type { EntityManager } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import type { Actor } from '../../core/actor';
import { paginate, type Page, type PageRequest } from '../../core/db/paginate';
import type { Tx } from '../../core/events/outbox';
import { newId, randomBase62 } from '../../core/ids';
import { Role, roleRank } from '../../core/tokens/token-kind';
import { TokenRecord } from '../../core/tokens/token.entity';
import type { CoreDeps } from '../../deps';
import { App, APP_ROLES, AppStatus, DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS, highestAppRoleFor } from './app.entity';
import { AppErrors as Errors } from './app.errors';
import { OAuthError } from './oauth.protocol';
import { effectiveRole, type AppFacts } from './app.verify';

/** An app with what its lists show of its tokens. */
export interface AppView {
  app: App;
  /** The current client secret's record (display fields only). */
  secret: TokenRecord | null;
  /** The latest use of its secret or any of its access tokens. */
  lastUsedAt: Date | null;
}

export interface NewApp {
  name: string;
  description?: string | null;
  accessTokenLifetimeSeconds?: number | null;
  /** What its access tokens act as; by default the highest the creator may give. */
  role?: Role | null;
}

/** The one scope Tessera grants: the app's access to the API of its tenant. */
export const API_SCOPE = 'api';

/** What the client-credentials grant hands out. */
export interface IssuedAccessToken {
  value: string;
  expiresInSeconds: number;
  scope: string;
}

/** What RFC 7662 introspection answers about an active token. */
export interface Introspection {
  active: boolean;
  scope?: string;
  client_id?: string;
  token_type?: string;
  exp?: number;
  sub?: string;
  jti?: string;
}

/** The outcome of an RFC 7009 revocation request. */
export type RevocationOutcome = 'revoked' | 'ignored' | 'not_issued_to_client' | 'unsupported_token_type';

const APP_KINDS = [AppKind.APP_SECRET, AppKind.APP_ACCESS];

/** Apps, their client secrets, and the access tokens of the client-credentials grant. */
export class AppService {
  constructor(private readonly deps: CoreDeps) {}

  /** Apps act as themselves in events and the audit log, with the role they were given. */
  static actorOf(app: App, requestId?: string): Actor {
    return { type: 'app', id: app.id, name: app.name, tenantId: app.tenantId, role: app.role, requestId };
  }

  /**
   * The roles `actor` may give an app: at most their own, and never ADMIN. Only people create
   * apps (the resolver refuses app tokens); an actor without a role may give none.
   */
  static assignableRoles(actor: Actor): Role[] {
    if (actor.type !== 'user' || !actor.role) return [];
    const highest = highestAppRoleFor(actor.role);
    return APP_ROLES.filter((role) => roleRank[role] <= roleRank[highest]);
  }

  /**
   * Creates an app whose role is `input.role`, or the highest the creator may give. A role above
   * the creator's (or ADMIN) is BAD_USER_INPUT on `input.role`, checked before anything is written.
   */
  async create(actor: Actor, input: NewApp): Promise<{ view: AppView; secret: string }> {
    const assignable = AppService.assignableRoles(actor);
    const role = input.role ?? assignable[0];
    if (!role || !assignable.includes(role)) throw Errors.roleTooHigh(assignable);
    return this.deps.lifecycle.run(actor, async (tx) => {
      const app = tx.em.create(App, {
        id: newId('app'),
        tenantId: actor.tenantId,
        name: input.name,
        description: input.description ?? null,
        clientId: `tca_${randomBase62(24)}`,
        status: AppStatus.ACTIVE,
        accessTokenLifetimeSeconds: input.accessTokenLifetimeSeconds ?? DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS,
        role,
        createdById: actor.id,
        createdAt: tx.now,
        updatedAt: tx.now,
      });
      const { token, secret } = await this.deps.tokens.issue(tx, {
        kind: AppKind.APP_SECRET,
        tenantId: app.tenantId,
        name: app.name,
        description: app.description,
        ownerId: app.id,
        subjectType: 'app',
        subjectId: app.id,
        revealable: true,
      });
      return { view: { app, secret: token, lastUsedAt: null }, secret };
    });
  }

  /**
   * The live tokens of the apps a person made (their secrets and access tokens), inside `tx`: they
   * act for that person, so deactivating or deleting the person stops them too (see app.verify).
   */
  async tokensActingFor(tx: Tx, userId: string): Promise<TokenRecord[]> {
    const apps = await tx.em.find(App, { tenantId: tx.actor.tenantId, createdById: userId, status: AppStatus.ACTIVE }, { fields: ['id'] });
    if (!apps.length) return [];
    return tx.em.find(TokenRecord, {
      tenantId: tx.actor.tenantId,
      kind: { $in: [AppKind.APP_SECRET, AppKind.APP_ACCESS] },
      subjectId: { $in: apps.map((app) => app.id) },
      revokedAt: null,
    });
  }

  async list(actor: Actor, request: PageRequest & { status?: AppStatus | null }): Promise<Page<AppView>> {
    const em = this.deps.orm.em.fork();
    const page = await paginate(em, App, { tenantId: actor.tenantId, ...(request.status ? { status: request.status } : {}) }, request);
    return { ...page, items: await this.viewsOf(em, page.items) };
  }

  async get(actor: Actor, id: string): Promise<AppView> {
    const em = this.deps.orm.em.fork();
    const app = await em.findOne(App, { id, tenantId: actor.tenantId });
    if (!app) throw Errors.notFound(id);
    return (await this.viewsOf(em, [app]))[0];
  }

  /** Two statements for any number of apps: their secrets, and the latest use of their tokens. */
  private async viewsOf(em: EntityManager, apps: App[]): Promise<AppView[]> {
    if (apps.length === 0) return [];
    const ids = apps.map((app) => app.id);
    const [secrets, rows] = await Promise.all([
      em.find(TokenRecord, { kind: AppKind.APP_SECRET, subjectId: { $in: ids } }),
      (em as SqlEntityManager)
        .getKnex()('tokens')
        .select('subject_id')
        .max({ last_used_at: 'last_used_at' })
        .whereIn('subject_id', ids)
        .whereIn('kind', APP_KINDS)
        .groupBy('subject_id') as Promise<{ subject_id: string; last_used_at: Date | number | string | null }[]>,
    ]);
    const secretOf = new Map(secrets.map((secret) => [secret.subjectId, secret]));
    const usedOf = new Map(rows.map((row) => [row.subject_id, toDate(row.last_used_at)]));
    return apps.map((app) => ({ app, secret: secretOf.get(app.id) ?? null, lastUsedAt: usedOf.get(app.id) ?? null }));
  }

  private async findApp(tx: Tx, id: string): Promise<App> {
    const app = await tx.em.findOne(App, { id, tenantId: tx.actor.tenantId });
    if (!app) throw Errors.notFound(id);
    return app;
  }

  /**
   * An app `tx.actor` may manage (reveal, rotate, disable, activate, delete): any app of the tenant
   * for an administrator, their own for the developer who created it; FORBIDDEN for anyone else
   * (they may read the app in lists, so it is not hidden as NOT_FOUND). App tokens never get here.
   */
  private async findManagedApp(tx: Tx, id: string): Promise<App> {
    const app = await this.findApp(tx, id);
    const actor = tx.actor;
    if (actor.type !== 'user') throw Errors.notYours(id);
    if (actor.role === Role.ADMIN) return app;
    if (actor.role === Role.DEVELOPER && actor.id !== null && app.createdById === actor.id) return app;
    throw Errors.notYours(id);
  }

  private async secretOf(tx: Tx, app: App): Promise<TokenRecord> {
    return tx.em.findOneOrFail(TokenRecord, { kind: AppKind.APP_SECRET, subjectId: app.id });
  }

  /** Switches the app off or on: its access tokens fail (or work again) at once, on every instance. */
  async setEnabled(actor: Actor, id: string, enabled: boolean): Promise<AppView> {
    const app = await this.deps.lifecycle.run(actor, async (tx) => {
      const app = await this.findManagedApp(tx, id);
      const target = enabled ? AppStatus.ACTIVE : AppStatus.DISABLED;
      if (app.status === target) throw enabled ? Errors.alreadyActive(id) : Errors.alreadyDisabled(id);
      app.status = target;
      app.updatedAt = tx.now;
      // The secret's own switch carries the notice (DISABLED / ENABLED) and the audit entry.
      this.deps.tokens.setEnabled(tx, await this.secretOf(tx, app), enabled);
      tx.evict(app.id);
      return app;
    });
    return this.get(actor, app.id);
  }

  /** Deletes the app with its secret and every access token; returns it as it was. */
  async delete(actor: Actor, id: string): Promise<AppView> {
    const view = await this.get(actor, id);
    await this.deps.lifecycle.run(actor, async (tx) => {
      const app = await this.findManagedApp(tx, id);
      const tokens = await tx.em.find(TokenRecord, { kind: { $in: APP_KINDS }, subjectId: app.id }, { orderBy: { id: 'asc' } });
      for (const token of tokens) await this.deps.tokens.delete(tx, token);
      tx.em.remove(app);
      tx.evict(app.id);
    });
    return view;
  }

  /** The current client secret, for administrators and the app's developer; the reading is audited. */
  async revealSecret(actor: Actor, id: string): Promise<string> {
    return this.deps.lifecycle.run(actor, async (tx) => {
      const app = await this.findManagedApp(tx, id);
      const token = await this.secretOf(tx, app);
      const value = await this.deps.tokens.reveal(tx, token);
      if (!value) throw Errors.secretNotRevealable(id);
      tx.audit('app.secret_revealed', { type: AppKind.APP_SECRET, id: token.id, name: app.name }, { appId: app.id });
      return value;
    });
  }

  /** A new client secret; the previous one keeps working for `graceSeconds` (0: stops at once). */
  async rotateSecret(actor: Actor, id: string, graceSeconds: number): Promise<{ view: AppView; secret: string; previousSecretValidUntil: Date | null }> {
    const { app, secret, previousSecretValidUntil } = await this.deps.lifecycle.run(actor, async (tx) => {
      const app = await this.findManagedApp(tx, id);
      const { secret, graceEndsAt } = await this.deps.tokens.regenerate(tx, await this.secretOf(tx, app), { graceMs: graceSeconds * 1000, revealable: true });
      return { app, secret, previousSecretValidUntil: graceEndsAt };
    });
    return { view: await this.get(actor, app.id), secret, previousSecretValidUntil };
  }

  // ---- OAuth 2.0: the protocol routes call these -------------------------------------------

  /**
   * The app whose client id and secret these are, if the secret is valid for it now (a previous
   * secret inside its rotation grace counts); null otherwise. The secret is checked by the one
   * verifier, so a disabled app's secret fails like any disabled token.
   */
  async authenticateClient(clientId: string, clientSecret: string): Promise<App | null> {
    const result = await this.deps.verifier.verify(clientSecret);
    if (!result.valid || result.token?.kind !== AppKind.APP_SECRET) return null;
    // An app whose creator is gone acts as no one (see app.verify.ts): it gets no access token either.
    if (!effectiveRole(result.token.extra as AppFacts)) return null;
    const app = await this.deps.orm.em.fork().findOne(App, { id: result.token.subjectId ?? '' });
    if (!app || app.clientId !== clientId || app.status !== AppStatus.ACTIVE) return null;
    return app;
  }

  /** RFC 6749 §4.4: a new access token for an authenticated app. */
  async issueAccessToken(app: App, scope: string, requestId?: string): Promise<IssuedAccessToken> {
    const lifetime = app.accessTokenLifetimeSeconds;
    const issued = await this.deps.lifecycle.run(AppService.actorOf(app, requestId), async (tx) => {
      // The client was authenticated outside this transaction: read the app again in it, so a
      // delete or disable that commits meanwhile is serialized with the grant (the grant comes
      // first and the delete takes its token, or the grant sees the app gone) — never a live
      // access token of an app that no longer exists.
      const current = await tx.em.findOne(App, { id: app.id });
      if (!current || current.status !== AppStatus.ACTIVE || current.clientId !== app.clientId) return null;
      return this.deps.tokens.issue(tx, {
        kind: AppKind.APP_ACCESS,
        tenantId: current.tenantId,
        name: current.name,
        ownerId: current.id,
        subjectType: 'app',
        subjectId: current.id,
        expiresAt: new Date(tx.now.getTime() + lifetime * 1000),
      });
    });
    if (!issued) throw OAuthError.badClient();
    return { value: issued.secret, expiresInSeconds: lifetime, scope };
  }

  /**
   * RFC 7662: what an app may learn about a token. Only access tokens of the caller's tenant can
   * be active; anything else — unknown, expired, revoked, of a disabled app, of another kind or
   * tenant — answers just `{ active: false }`, so introspection reveals nothing else.
   */
  async introspect(caller: App, value: string): Promise<Introspection> {
    // Scoped to the caller's tenant: another tenant's token answers like an unknown one, unstamped.
    const result = await this.deps.verifier.verify(value, { tenantId: caller.tenantId });
    const token = result.token;
    if (!result.valid || !token || token.kind !== AppKind.APP_ACCESS || token.tenantId !== caller.tenantId) return { active: false };
    const { clientId } = token.extra as { clientId?: string };
    return {
      active: true,
      scope: API_SCOPE,
      client_id: clientId,
      token_type: 'Bearer',
      exp: token.expiresAt !== null ? Math.floor(token.expiresAt / 1000) : undefined,
      sub: token.subjectId ?? undefined,
      jti: token.tokenId,
    };
  }

  /**
   * RFC 7009: revokes an access token issued to the calling app. Unknown, expired or already
   * revoked values are ignored (the client cannot tell them apart, and need not); a token of
   * another app is refused; a value of another kind is not a token this endpoint revokes.
   */
  async revokeAccessToken(caller: App, value: string, requestId?: string): Promise<RevocationOutcome> {
    const result = await this.deps.verifier.verify(value, { tenantId: caller.tenantId });
    const token = result.token;
    if (!token || token.tenantId !== caller.tenantId) return 'ignored';
    if (token.kind !== AppKind.APP_ACCESS) return token.kind === AppKind.APP_SECRET && token.subjectId === caller.id ? 'unsupported_token_type' : 'ignored';
    if (token.subjectId !== caller.id) return 'not_issued_to_client';
    if (!result.valid) return 'ignored';
    return this.deps.lifecycle.run(AppService.actorOf(caller, requestId), async (tx) => {
      const record = await tx.em.findOne(TokenRecord, { id: token.tokenId, kind: AppKind.APP_ACCESS });
      if (!record || record.revokedAt) return 'ignored';
      this.deps.tokens.revoke(tx, record);
      return 'revoked';
    });
  }
}

/** A timestamp as the driver returns it: a Date (PostgreSQL) or epoch milliseconds (SQLite). */
function toDate(value: Date | number | string | null): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value;
  return new Date(typeof value === 'number' || /^\d+$/.test(value) ? Number(value) : value);
}
