import { OAuthKind } from './oauth.kinds';
import type { EntityManager } from '@mikro-orm/core';
import { AppError, ErrorCode } from '../../core/errors';
import { systemActor, type Actor } from '../../core/actor';
import { paginate, type Page, type PageRequest } from '../../core/db/paginate';
import { TokenEventType } from '../../core/events/event.entity';
import { NAME_PATTERN } from '../../core/graphql/validation';

import { TokenRecord } from '../../core/tokens/token.entity';
import { OutboundPolicy } from '../../core/outbound';
import type { CoreDeps } from '../../deps';
import { OAuthClient, ProviderFailure, providerErrorText, type ClientCredentials, type GrantedToken } from './oauth.client';
import { OAuthFlow, OAuthProvider, OAuthToken, OAuthTokenStatus, type AdditionalValue } from './oauth.entity';
import { OAuthErrors as Errors } from './oauth.errors';
import { requestStatusOf, type OAuthTokenView } from './oauth.type';
import { OAuthRefreshJob } from './oauth-refresh.job';
import { OAuthBundles } from './oauth-bundles';
import { GrantRevocation, OAuthGrants, type GrantOutcome } from './oauth-grants';
import { checkNewToken, OAuthProviders, type NewOAuthToken } from './oauth-providers';
import { OAuthSealer } from './oauth-sealing';

export { GrantRevocation } from './oauth-grants';
export type { NewOAuthProvider, NewOAuthToken, OAuthProviderChanges } from './oauth-providers';
export type { ImportedItem } from './oauth-bundles';

/** A request change's answer: the token and, for browser flows, the link to open. */
export interface TokenRequestResult {
  view: OAuthTokenView;
  authorizationUrl: string | null;
  warning: string | null;
}

const BROWSER_FLOWS = new Set([OAuthFlow.AUTHORIZATION_CODE, OAuthFlow.OIDC_HYBRID]);

/**
 * Outbound OAuth tokens: requests for real through {@link OAuthClient}, the browser callback,
 * refresh (by hand and ahead of expiry), and the one audited way a value leaves. Providers,
 * grants and bundles are parts of their own ({@link OAuthProviders}, {@link OAuthGrants},
 * {@link OAuthBundles}). Provider calls never run inside a database transaction: the answer is
 * applied in a short one.
 */
export class OAuthService {
  readonly sealer: OAuthSealer;
  readonly providers: OAuthProviders;
  readonly grants: OAuthGrants;
  readonly bundles: OAuthBundles;
  readonly refreshJob: OAuthRefreshJob;

  constructor(private readonly deps: CoreDeps) {
    this.sealer = new OAuthSealer(deps.box);
    this.providers = new OAuthProviders(deps, this.sealer, new OutboundPolicy(deps.config.outboundAllowedHosts));
    this.grants = new OAuthGrants(deps, this.sealer, this.providers);
    this.bundles = new OAuthBundles(deps, this.sealer, this.providers);
    this.refreshJob = new OAuthRefreshJob(deps, this.grants);
  }

  /** Where provider calls may go, and the only way they are made (tests stub its resolver). */
  get outbound(): OutboundPolicy {
    return this.providers.outbound;
  }

  /** Starts the proactive refresh job (the server calls this; tests drive `refreshJob.run()`). */
  start(): void {
    this.refreshJob.start(this.deps.config.oauthRefreshIntervalMs);
  }

  async stop(): Promise<void> {
    await this.refreshJob.stop();
    await this.outbound.close();
  }

  /** One outbound token of the actor's tenant (its record and row, never a value); NOT_FOUND otherwise. */
  async getToken(actor: Actor, id: string): Promise<OAuthTokenView> {
    const { oauth, record } = await this.findToken(this.deps.orm.em.fork(), actor.tenantId, id);
    return { oauth, record };
  }

  /** Each page joins its token records in one statement, never one per row. */
  async listTokens(actor: Actor, request: PageRequest & { providerId?: string | null }): Promise<Page<OAuthTokenView & { id: string }>> {
    const em = this.deps.orm.em.fork();
    const page = await paginate(em, OAuthToken, { tenantId: actor.tenantId, ...(request.providerId ? { providerId: request.providerId } : {}) }, request);
    const records = new Map((await em.find(TokenRecord, { id: { $in: page.items.map((item) => item.id) } })).map((record) => [record.id, record]));
    return {
      ...page,
      items: page.items.flatMap((oauth) => (records.has(oauth.id) ? [{ id: oauth.id, record: records.get(oauth.id) as TokenRecord, oauth }] : [])),
    };
  }

  private async findToken(em: EntityManager, tenantId: string, id: string): Promise<OAuthTokenView & { provider: OAuthProvider }> {
    const oauth = await em.findOne(OAuthToken, { id, tenantId });
    const record = oauth ? await em.findOne(TokenRecord, { id, kind: OAuthKind.OAUTH, tenantId }) : null;
    if (!oauth || !record) throw Errors.tokenNotFound(id);
    const provider = await em.findOneOrFail(OAuthProvider, { id: oauth.providerId });
    return { oauth, record, provider };
  }

  async createToken(actor: Actor, input: NewOAuthToken): Promise<TokenRequestResult> {
    // NOT_FOUND only when there is no such provider: a storage failure stays what it is.
    const provider = await this.providers.find(this.deps.orm.em.fork(), actor.tenantId, input.providerId);
    checkNewToken(provider, input);
    const browser = BROWSER_FLOWS.has(input.flow);
    const draft = Object.assign(new OAuthToken(), {
      id: 'draft',
      flow: input.flow,
      useDefaultKeys: input.useDefaultKeys,
      consumerKey: input.useDefaultKeys ? null : input.consumerKey,
      scope: input.flow === OAuthFlow.OIDC_HYBRID ? withOpenId(input.scope) : (input.scope ?? null),
      resource: input.resource ?? null,
      additionalValues: input.additionalValues ?? [],
    });
    // Direct flows ask the provider before anything is written: one CREATED event with the outcome.
    let outcome: { granted?: GrantedToken; failure?: ProviderFailure } = {};
    const credentialsFor = (): ClientCredentials =>
      provider.privateKeyPemSealed || input.useDefaultKeys
        ? this.providers.credentialsOf(provider)
        : { clientId: input.consumerKey ?? '', clientSecret: input.secretKey ?? '' };
    if (!browser) {
      const credentials = credentialsFor();
      const parameters = this.grants.requestParameters(draft);
      try {
        outcome.granted =
          input.flow === OAuthFlow.PASSWORD
            ? await OAuthClient.password(this.providers.endpointsOf(provider), credentials, {
                ...parameters,
                username: input.username,
                password: input.password,
              })
            : await OAuthClient.clientCredentials(this.providers.endpointsOf(provider), credentials, parameters);
      } catch (error) {
        if (!(error instanceof ProviderFailure)) throw error;
        outcome = { failure: error };
      }
    }
    let authorizationUrl: string | null = null;
    const view = await this.deps.lifecycle
      .run(actor, async (tx) => {
        // Read again in the transaction: a delete of the provider that commits meanwhile is
        // serialized with this (NOT_FOUND here, or PROVIDER_IN_USE there), never a foreign-key error.
        await this.providers.find(tx.em, actor.tenantId, provider.id);
        const { token: record } = await this.deps.tokens.issue(tx, {
          kind: OAuthKind.OAUTH,
          tenantId: actor.tenantId,
          name: input.name,
          ownerId: actor.id,
          subjectType: 'provider',
          subjectId: provider.id,
          external: true,
          silent: true,
        });
        await tx.em.flush(); // the token record first: the OAuth row points at it
        const oauth = tx.em.create(OAuthToken, {
          ...draft,
          id: record.id,
          tenantId: actor.tenantId,
          providerId: provider.id,
          status: OAuthTokenStatus.REQUESTED,
          consumerSecretSealed: input.useDefaultKeys || !input.secretKey ? null : this.sealer.seal(record.id, 'consumerSecret', input.secretKey),
          credentialsSealed:
            input.flow === OAuthFlow.PASSWORD
              ? this.sealer.seal(record.id, 'credentials', JSON.stringify({ username: input.username, password: input.password }))
              : null,
          refreshFailures: 0,
          createdAt: tx.now,
          updatedAt: tx.now,
        });
        const view = { record, oauth };
        if (outcome.granted) this.grants.applyGranted(tx, view, outcome.granted, true);
        if (outcome.failure) {
          oauth.status = OAuthTokenStatus.FAILED;
          oauth.providerError = outcome.failure.message;
        }
        if (browser) authorizationUrl = await this.grants.authorizationLink(view, provider);
        tx.emit(TokenEventType.CREATED, record, outcome.failure ? { reason: outcome.failure.code, detail: outcome.failure.message } : undefined);
        return view;
      })
      .catch(async (error: unknown) => {
        // Nothing was stored: a grant obtained for it would live on at the provider unseen.
        if (outcome.granted) await this.grants.abandon(provider, credentialsFor(), outcome.granted);
        throw error;
      });
    return { view, authorizationUrl, warning: this.providers.warningFor(provider) };
  }

  async startTokenRequest(actor: Actor, id: string): Promise<TokenRequestResult> {
    return this.deps.lifecycle.run(actor, async (tx) => {
      const { provider, ...view } = await this.findToken(tx.em, actor.tenantId, id);
      if (!BROWSER_FLOWS.has(view.oauth.flow)) throw Errors.notForFlow('startTokenRequest', view.oauth.flow);
      if (view.record.revokedAt) throw Errors.revoked(id);
      const authorizationUrl = await this.grants.authorizationLink(view, provider);
      if (view.oauth.status !== OAuthTokenStatus.ACTIVE) {
        view.oauth.status = OAuthTokenStatus.REQUESTED;
        view.oauth.providerError = null;
      }
      view.oauth.updatedAt = tx.now;
      tx.audit('oauth_token.start_request', { type: OAuthKind.OAUTH, id, name: view.record.name });
      return { view, authorizationUrl, warning: this.providers.warningFor(provider) };
    });
  }

  /**
   * Completes a browser flow from the provider's redirect. The state is claimed by a
   * compare-and-set first, so a link works once however many times it is opened.
   */
  async completeAuthorization(query: Record<string, string>): Promise<{ ok: boolean; message: string }> {
    const state = query.state;
    if (!state) return { ok: false, message: 'The provider sent no state: this link did not come from a Tessera authorization request.' };
    const em = this.deps.orm.em.fork();
    const oauth = await em.findOne(OAuthToken, { pendingState: state });
    if (!oauth || !oauth.pendingSealed)
      return { ok: false, message: 'This authorization link is unknown or was already used. Ask for a fresh one (startTokenRequest).' };
    const pending = JSON.parse(this.sealer.unseal(oauth.id, 'pending', oauth.pendingSealed)) as { codeVerifier: string; nonce?: string };
    const actor = systemActor(oauth.tenantId, 'oauth callback');
    const claimed = await this.deps.lifecycle.run(
      actor,
      async (tx) => (await tx.em.nativeUpdate(OAuthToken, { id: oauth.id, pendingState: state }, { pendingState: null, pendingSealed: null })) === 1,
    );
    if (!claimed) return { ok: false, message: 'This authorization link was already used. Ask for a fresh one (startTokenRequest).' };
    const provider = await em.findOneOrFail(OAuthProvider, { id: oauth.providerId });

    let outcome: GrantOutcome;
    if (query.error) {
      const text = providerErrorText(query.error, query.error_description);
      outcome = { failure: { message: text.message, code: text.code } };
    } else {
      const callbackUrl = new URL(this.grants.redirectUri);
      for (const [name, value] of Object.entries(query)) callbackUrl.searchParams.set(name, value);
      try {
        outcome = {
          granted: await OAuthClient.exchangeCode(
            this.providers.endpointsOf(provider),
            this.providers.credentialsOf(provider, oauth),
            callbackUrl,
            { state, ...pending },
            {},
          ),
        };
      } catch (error) {
        if (!(error instanceof ProviderFailure)) throw error;
        outcome = { failure: { message: error.message, code: error.code } };
      }
    }
    const name = await this.deps.lifecycle.run(actor, async (tx) => {
      const view = await this.findToken(tx.em, oauth.tenantId, oauth.id);
      this.grants.record(tx, view, outcome);
      return view.record.name;
    });
    return outcome.granted
      ? { ok: true, message: `Token "${name}" is ready: Tessera holds its access token now. You can close this page.` }
      : { ok: false, message: `Token "${name}" was not issued: ${outcome.failure?.message}` };
  }

  /** Asks again for a FAILED (or expired) direct-flow token. */
  async retry(actor: Actor, id: string): Promise<OAuthTokenView> {
    const { provider, ...view } = await this.findToken(this.deps.orm.em.fork(), actor.tenantId, id);
    if (BROWSER_FLOWS.has(view.oauth.flow)) throw Errors.useStartTokenRequest(id);
    const status = requestStatusOf(view, this.deps.clock.now());
    if (status !== OAuthTokenStatus.FAILED && status !== OAuthTokenStatus.EXPIRED) throw Errors.notFailed(id);
    return this.request(actor, id, provider, view.oauth, { preferRefresh: false });
  }

  /** Refresh grant (or, without a refresh token, the direct flow again). A failure is recorded, not thrown. */
  async refresh(actor: Actor, id: string): Promise<OAuthTokenView> {
    const { provider, ...view } = await this.findToken(this.deps.orm.em.fork(), actor.tenantId, id);
    if (view.record.revokedAt) throw Errors.revoked(id);
    if (BROWSER_FLOWS.has(view.oauth.flow) && !view.oauth.refreshTokenSealed) throw Errors.useStartTokenRequest(id);
    return this.request(actor, id, provider, view.oauth, { preferRefresh: true });
  }

  private async request(actor: Actor, id: string, provider: OAuthProvider, oauth: OAuthToken, options: { preferRefresh: boolean }): Promise<OAuthTokenView> {
    const outcome = await this.grants.ask(provider, oauth, options);
    return this.deps.lifecycle
      .run(actor, async (tx) => {
        const { provider: _provider, ...view } = await this.findToken(tx.em, actor.tenantId, id);
        this.grants.record(tx, view, outcome);
        return view;
      })
      .catch(async (error: unknown) => {
        // The token was deleted while the provider was asked: the new grant belongs to nothing.
        if (outcome.granted && error instanceof AppError && error.code === ErrorCode.NOT_FOUND)
          await this.grants.abandon(provider, this.providers.credentialsOf(provider, oauth), outcome.granted);
        throw error;
      });
  }

  async rename(actor: Actor, id: string, name: string): Promise<OAuthTokenView> {
    if (name.length < 1 || name.length > 100 || !NAME_PATTERN.test(name)) throw Errors.badName();
    return this.deps.lifecycle.run(actor, async (tx) => {
      const { provider: _provider, ...view } = await this.findToken(tx.em, actor.tenantId, id);
      const previous = view.record.name;
      this.deps.tokens.describe(tx, view.record, { name });
      tx.audit('oauth_token.renamed', { type: OAuthKind.OAUTH, id, name }, { previousName: previous });
      return view;
    });
  }

  /**
   * Deletes a token and everything Tessera holds for it. First, unless told not to, it revokes at
   * the provider what it holds (RFC 7009): the refresh token, which ends the grant at most
   * providers, then the access token — so no credential outlives its record. A refused or failed
   * revocation deletes nothing, nor does a refresh that lands meanwhile (CHANGED_WHILE_DELETING).
   * The DELETED event's reason says what became of the grant.
   */
  async delete(actor: Actor, id: string, options: { revokeAtProvider: boolean }): Promise<OAuthTokenView> {
    const { provider, ...held } = await this.findToken(this.deps.orm.em.fork(), actor.tenantId, id);
    const outcome = await this.grants.revokeHeld(provider, held.oauth, options.revokeAtProvider);
    return this.deps.lifecycle.run(actor, async (tx) => {
      const { provider: _provider, ...view } = await this.findToken(tx.em, actor.tenantId, id);
      // Compare-and-delete: a refresh that landed while the provider was asked (the background
      // job, another instance) left a grant that was not revoked; deleting would orphan it live.
      const unchanged =
        outcome === GrantRevocation.REVOKED
          ? { refreshTokenSealed: held.oauth.refreshTokenSealed ?? null, accessTokenSealed: held.oauth.accessTokenSealed ?? null }
          : {};
      if ((await tx.em.nativeDelete(OAuthToken, { id, ...unchanged })) === 0) throw Errors.changedWhileDeleting(id);
      await this.deps.tokens.delete(tx, view.record, outcome ? { reason: outcome } : undefined);
      return view;
    });
  }

  /**
   * Revokes the current access token at the provider (RFC 7009, when it has a revocation URL),
   * then requests a new one with the new parameters. A refused revocation changes nothing.
   */
  async resetClientCredentials(
    actor: Actor,
    id: string,
    changes: { scope?: string | null; resource?: string | null; additionalValues?: AdditionalValue[] | null },
  ): Promise<OAuthTokenView> {
    const { provider, ...view } = await this.findToken(this.deps.orm.em.fork(), actor.tenantId, id);
    if (view.oauth.flow !== OAuthFlow.CLIENT_CREDENTIALS) throw Errors.notForFlow('resetClientCredentialsToken', view.oauth.flow);
    if (view.oauth.accessTokenSealed && provider.revocationUrl)
      await this.grants.revokeAtProvider(provider, view.oauth, this.sealer.unseal(id, 'accessToken', view.oauth.accessTokenSealed), 'access_token');
    const oauth = view.oauth;
    if (changes.scope !== undefined && changes.scope !== null) oauth.scope = changes.scope || null;
    if (changes.resource !== undefined && changes.resource !== null) oauth.resource = changes.resource || null;
    if (changes.additionalValues) oauth.additionalValues = changes.additionalValues;
    const outcome = await this.grants.ask(provider, oauth, { preferRefresh: false });
    return this.deps.lifecycle.run(actor, async (tx) => {
      const { provider: _provider, ...current } = await this.findToken(tx.em, actor.tenantId, id);
      Object.assign(current.oauth, {
        scope: oauth.scope,
        resource: oauth.resource,
        additionalValues: oauth.additionalValues,
        accessTokenSealed: null,
        updatedAt: tx.now,
      });
      tx.audit('oauth_token.reset', { type: OAuthKind.OAUTH, id, name: current.record.name }, { revokedAtProvider: !!provider.revocationUrl });
      // The access token it held was given up: a refused request leaves it FAILED, not refreshed.
      this.grants.record(tx, current, outcome, { lost: true });
      return current;
    });
  }

  /** The one way a value leaves Tessera: audited, only while the token holds a live access token. */
  async accessToken(actor: Actor, id: string): Promise<{ view: OAuthTokenView; accessToken: string }> {
    return this.deps.lifecycle.run(actor, async (tx) => {
      const { provider: _provider, ...view } = await this.findToken(tx.em, actor.tenantId, id);
      const status = requestStatusOf(view, tx.now);
      if (status !== OAuthTokenStatus.ACTIVE || !view.oauth.accessTokenSealed) throw Errors.noAccessToken(id, status);
      view.record.lastUsedAt = tx.now;
      tx.audit('oauth_token.access_token_read', { type: OAuthKind.OAUTH, id, name: view.record.name });
      return { view, accessToken: this.sealer.unseal(id, 'accessToken', view.oauth.accessTokenSealed) };
    });
  }
}

function withOpenId(scope: string | null | undefined): string {
  const scopes = new Set((scope ?? '').split(/\s+/).filter(Boolean));
  scopes.add('openid');
  return [...scopes].join(' ');
}
