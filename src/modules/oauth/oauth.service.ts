import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/core';
import { AppError, ErrorCode } from '../../core/errors';
import { systemActor, type Actor } from '../../core/actor';
import { paginate, type Page, type PageRequest } from '../../core/db/paginate';
import { TokenEventType } from '../../core/events/event.entity';
import type { Tx } from '../../core/events/outbox';
import { NAME_PATTERN } from '../../core/graphql/validation';
import { isAppError } from '../../core/errors';
import { newId } from '../../core/ids';
import { TokenKind } from '../../core/tokens/token-kind';
import { TokenRecord } from '../../core/tokens/token.entity';
import { assertPublicDestinationUrl, OutboundPolicy } from '../../core/outbound';
import type { CoreDeps } from '../../deps';
import { OAuthClient, ProviderFailure, isInsecure, providerErrorText, isUsablePrivateKey, type ClientCredentials, type GrantedToken, type ProviderEndpoints } from './oauth.client';
import { OAuthFlow, OAuthProvider, OAuthToken, OAuthTokenStatus, type AdditionalValue } from './oauth.entity';
import { OAuthErrors as Errors } from './oauth.errors';
import { requestStatusOf, type OAuthTokenView } from './oauth.type';
import { OAuthRefreshJob } from './oauth-refresh.job';
import { openBundle, sealBundle } from './oauth-bundle';
import { IMPORT_BATCH_SIZE, MAX_BUNDLE_CHARS, MAX_BUNDLE_ITEMS, additionalValuesOf, checkProviderItem, checkTokenItem, displayName, type CheckedProvider, type CheckedToken } from './oauth-bundle.validate';
import { ImportConflict } from './oauth.inputs';
import { ImportOutcome } from './oauth.type';

/** What deleting a token did about its grant at the provider: the reason of its DELETED event. */
export enum GrantRevocation {
  /** Revoked at the provider (RFC 7009) before the token was deleted. */
  REVOKED = 'PROVIDER_REVOKED',
  /** The caller chose not to ask the provider (`revokeAtProvider: false`): the grant may live on there. */
  NOT_ASKED = 'PROVIDER_NOT_ASKED',
  /** The provider has no revocation URL: the grant may live on there until it expires. */
  NOT_SUPPORTED = 'PROVIDER_CANNOT_REVOKE',
}

export interface NewOAuthProvider {
  name: string;
  authorizeUrl: string;
  tokenUrl: string;
  revocationUrl?: string | null;
  defaultConsumerKey: string;
  defaultConsumerSecret: string;
  privateKeyJwt?: { privateKeyPem: string; keyId: string; algorithm: string } | null;
}

export interface OAuthProviderChanges {
  name?: string | null;
  authorizeUrl?: string | null;
  tokenUrl?: string | null;
  revocationUrl?: string | null;
  defaultConsumerKey?: string | null;
  defaultConsumerSecret?: string | null;
  privateKeyJwt?: NewOAuthProvider['privateKeyJwt'];
  removePrivateKey?: boolean | null;
}

export interface NewOAuthToken {
  name: string;
  providerId: string;
  flow: OAuthFlow;
  useDefaultKeys: boolean;
  consumerKey?: string | null;
  secretKey?: string | null;
  username?: string | null;
  password?: string | null;
  resource?: string | null;
  scope?: string | null;
  additionalValues?: AdditionalValue[] | null;
}

/** A request change's answer: the token and, for browser flows, the link to open. */
export interface TokenRequestResult {
  view: OAuthTokenView;
  authorizationUrl: string | null;
  warning: string | null;
}

const BROWSER_FLOWS = new Set([OAuthFlow.AUTHORIZATION_CODE, OAuthFlow.OIDC_HYBRID]);

/**
 * Outbound OAuth tokens: providers, requests for real through {@link OAuthClient}, the browser
 * callback, refresh (by hand and ahead of expiry), and the one audited way a value leaves.
 * Provider calls never run inside a database transaction: the answer is applied in a short one.
 */
export class OAuthService {
  readonly refreshJob: OAuthRefreshJob;
  /** Where provider calls may go, and the only way they are made (tests stub its resolver). */
  readonly outbound: OutboundPolicy;

  constructor(private readonly deps: CoreDeps) {
    this.refreshJob = new OAuthRefreshJob(deps, this);
    this.outbound = new OutboundPolicy(deps.config.outboundAllowedHosts);
  }

  /** Starts the proactive refresh job (the server calls this; tests drive `refreshJob.run()`). */
  start(): void {
    this.refreshJob.start(this.deps.config.oauthRefreshIntervalMs);
  }

  async stop(): Promise<void> {
    await this.refreshJob.stop();
    await this.outbound.close();
  }

  // ---- sealing: every value bound to its row and field, so ciphertexts cannot be swapped ----

  seal(id: string, field: string, value: string): string {
    return this.deps.box.encrypt(value, `${id}/${field}`);
  }

  unseal(id: string, field: string, sealed: string): string {
    return this.deps.box.decrypt(sealed, `${id}/${field}`);
  }

  // ---- providers ----

  endpointsOf(provider: OAuthProvider): ProviderEndpoints {
    return { authorizeUrl: provider.authorizeUrl, tokenUrl: provider.tokenUrl, revocationUrl: provider.revocationUrl, via: this.outbound };
  }

  /** Every provider URL given, against the outbound rules (BAD_USER_INPUT on the first refused). */
  private async checkUrls(urls: { authorizeUrl?: string | null; tokenUrl?: string | null; revocationUrl?: string | null }): Promise<void> {
    for (const field of ['authorizeUrl', 'tokenUrl', 'revocationUrl'] as const) {
      const url = urls[field];
      if (url) await assertPublicDestinationUrl(url, `input.${field}`, this.outbound);
    }
  }

  /**
   * A provider's token and revocation URLs receive its client authentication (the secret, or an
   * assertion signed with its private key) and the tokens Tessera holds: pointing either
   * elsewhere needs the credentials entered again, and no token of the provider may hold
   * secrets then. The authorization URL only ever sees the client id, through the browser.
   */
  private async checkCredentialsFollow(em: EntityManager, provider: OAuthProvider, changes: OAuthProviderChanges): Promise<void> {
    const moved = [
      changes.tokenUrl && changes.tokenUrl !== provider.tokenUrl ? 'tokenUrl' : null,
      changes.revocationUrl && changes.revocationUrl !== provider.revocationUrl ? 'revocationUrl' : null,
    ].filter((field): field is string => field !== null);
    if (moved.length === 0) return;
    const keepsPrivateKey = !!provider.privateKeyPemSealed && !changes.removePrivateKey;
    const reentered = keepsPrivateKey ? !!changes.privateKeyJwt : !!changes.privateKeyJwt || !!changes.defaultConsumerSecret;
    if (!reentered) throw Errors.credentialsMustFollowUrl(`input.${moved[0]}`, keepsPrivateKey ? 'input.privateKeyJwt' : 'input.defaultConsumerSecret');
    const holding = await em.count(OAuthToken, {
      providerId: provider.id,
      $or: [{ accessTokenSealed: { $ne: null } }, { refreshTokenSealed: { $ne: null } }, { consumerSecretSealed: { $ne: null } }, { credentialsSealed: { $ne: null } }],
    });
    if (holding > 0) throw Errors.tokensHoldSecretsForUrl(provider.id, `input.${moved[0]}`, holding);
  }

  credentialsOf(provider: OAuthProvider, token?: OAuthToken): ClientCredentials {
    if (provider.privateKeyPemSealed) {
      return {
        clientId: provider.defaultConsumerKey,
        privateKey: { pem: this.unseal(provider.id, 'privateKey', provider.privateKeyPemSealed), keyId: provider.privateKeyId ?? '', algorithm: provider.privateKeyAlgorithm ?? 'RS256' },
      };
    }
    if (token && !token.useDefaultKeys && token.consumerKey && token.consumerSecretSealed) {
      return { clientId: token.consumerKey, clientSecret: this.unseal(token.id, 'consumerSecret', token.consumerSecretSealed) };
    }
    return { clientId: provider.defaultConsumerKey, clientSecret: this.unseal(provider.id, 'consumerSecret', provider.defaultConsumerSecretSealed) };
  }

  private async checkPrivateKey(key: NewOAuthProvider['privateKeyJwt']): Promise<void> {
    if (key && !(await isUsablePrivateKey(key.privateKeyPem, key.algorithm))) throw Errors.unreadablePrivateKey();
  }

  private sealPrivateKey(provider: OAuthProvider, key: NewOAuthProvider['privateKeyJwt']): void {
    provider.privateKeyPemSealed = key ? this.seal(provider.id, 'privateKey', key.privateKeyPem) : null;
    provider.privateKeyId = key?.keyId ?? null;
    provider.privateKeyAlgorithm = key?.algorithm ?? null;
  }

  /**
   * What creating a provider checks beyond its input's validators. Bundle import runs it on every
   * provider item too: a check added here holds for both ways a provider comes in.
   */
  private async validateProvider(input: NewOAuthProvider): Promise<void> {
    await this.checkUrls(input);
    await this.checkPrivateKey(input.privateKeyJwt);
  }

  async createProvider(actor: Actor, input: NewOAuthProvider): Promise<OAuthProvider> {
    await this.validateProvider(input);
    return this.deps.lifecycle
      .run(actor, async (tx) => {
        if (await tx.em.count(OAuthProvider, { tenantId: actor.tenantId, name: input.name })) throw Errors.providerNameTaken(input.name);
        const provider = this.newProvider(tx, actor.tenantId, input);
        tx.audit('oauth_provider.created', { type: 'OAUTH_PROVIDER', id: provider.id, name: provider.name });
        return provider;
      })
      .catch(nameRace(input.name));
  }

  private newProvider(tx: Tx, tenantId: string, input: NewOAuthProvider): OAuthProvider {
    const id = newId('oap');
    const provider = tx.em.create(OAuthProvider, {
      id,
      tenantId,
      name: input.name,
      authorizeUrl: input.authorizeUrl,
      tokenUrl: input.tokenUrl,
      revocationUrl: input.revocationUrl || null,
      defaultConsumerKey: input.defaultConsumerKey,
      defaultConsumerSecretSealed: this.seal(id, 'consumerSecret', input.defaultConsumerSecret),
      createdAt: tx.now,
      updatedAt: tx.now,
    });
    this.sealPrivateKey(provider, input.privateKeyJwt);
    return provider;
  }

  private async findProvider(em: EntityManager, tenantId: string, id: string): Promise<OAuthProvider> {
    const provider = await em.findOne(OAuthProvider, { id, tenantId });
    if (!provider) throw Errors.providerNotFound(id);
    return provider;
  }

  async updateProvider(actor: Actor, id: string, changes: OAuthProviderChanges): Promise<OAuthProvider> {
    await this.checkUrls(changes);
    await this.checkPrivateKey(changes.privateKeyJwt);
    return this.deps.lifecycle.run(actor, async (tx) => {
      const provider = await this.findProvider(tx.em, actor.tenantId, id);
      await this.checkCredentialsFollow(tx.em, provider, changes);
      if (changes.name && changes.name !== provider.name && (await tx.em.count(OAuthProvider, { tenantId: actor.tenantId, name: changes.name }))) {
        throw Errors.providerNameTaken(changes.name);
      }
      if (changes.privateKeyJwt && (await tx.em.count(OAuthToken, { providerId: id, flow: { $ne: OAuthFlow.CLIENT_CREDENTIALS } }))) throw Errors.privateKeyWhileOtherFlows();
      if (changes.name) provider.name = changes.name;
      if (changes.authorizeUrl) provider.authorizeUrl = changes.authorizeUrl;
      if (changes.tokenUrl) provider.tokenUrl = changes.tokenUrl;
      if (changes.revocationUrl !== undefined && changes.revocationUrl !== null) provider.revocationUrl = changes.revocationUrl || null;
      if (changes.defaultConsumerKey) provider.defaultConsumerKey = changes.defaultConsumerKey;
      if (changes.defaultConsumerSecret) provider.defaultConsumerSecretSealed = this.seal(id, 'consumerSecret', changes.defaultConsumerSecret);
      if (changes.privateKeyJwt) this.sealPrivateKey(provider, changes.privateKeyJwt);
      else if (changes.removePrivateKey) this.sealPrivateKey(provider, null);
      provider.updatedAt = tx.now;
      tx.audit('oauth_provider.updated', { type: 'OAUTH_PROVIDER', id, name: provider.name });
      return provider;
    }).catch(nameRace(changes.name ?? ''));
  }

  async deleteProvider(actor: Actor, id: string): Promise<OAuthProvider> {
    return this.deps.lifecycle.run(actor, async (tx) => {
      const provider = await this.findProvider(tx.em, actor.tenantId, id);
      const users = await tx.em.count(OAuthToken, { providerId: id });
      if (users > 0) throw Errors.providerInUse(id, users);
      tx.em.remove(provider);
      tx.audit('oauth_provider.deleted', { type: 'OAUTH_PROVIDER', id, name: provider.name });
      return provider;
    });
  }

  /** One provider of the actor's tenant; NOT_FOUND otherwise. */
  async getProvider(actor: Actor, id: string): Promise<OAuthProvider> {
    return this.findProvider(this.deps.orm.em.fork(), actor.tenantId, id);
  }

  /** One outbound token of the actor's tenant (its record and row, never a value); NOT_FOUND otherwise. */
  async getToken(actor: Actor, id: string): Promise<OAuthTokenView> {
    const { oauth, record } = await this.findToken(this.deps.orm.em.fork(), actor.tenantId, id);
    return { oauth, record };
  }

  async listProviders(actor: Actor, request: PageRequest): Promise<Page<OAuthProvider>> {
    return paginate(this.deps.orm.em.fork(), OAuthProvider, { tenantId: actor.tenantId }, request);
  }

  // ---- tokens ----

  /** Each page joins its token records in one statement, never one per row. */
  async listTokens(actor: Actor, request: PageRequest & { providerId?: string | null }): Promise<Page<OAuthTokenView & { id: string }>> {
    const em = this.deps.orm.em.fork();
    const page = await paginate(em, OAuthToken, { tenantId: actor.tenantId, ...(request.providerId ? { providerId: request.providerId } : {}) }, request);
    const records = new Map((await em.find(TokenRecord, { id: { $in: page.items.map((item) => item.id) } })).map((record) => [record.id, record]));
    return { ...page, items: page.items.flatMap((oauth) => (records.has(oauth.id) ? [{ id: oauth.id, record: records.get(oauth.id) as TokenRecord, oauth }] : [])) };
  }

  private async findToken(em: EntityManager, tenantId: string, id: string): Promise<OAuthTokenView & { provider: OAuthProvider }> {
    const oauth = await em.findOne(OAuthToken, { id, tenantId });
    const record = oauth ? await em.findOne(TokenRecord, { id, kind: TokenKind.OAUTH, tenantId }) : null;
    if (!oauth || !record) throw Errors.tokenNotFound(id);
    const provider = await em.findOneOrFail(OAuthProvider, { id: oauth.providerId });
    return { oauth, record, provider };
  }

  /** What a token sends with every request. */
  private requestParameters(oauth: Pick<OAuthToken, 'scope' | 'resource' | 'additionalValues'>): Record<string, string | null | undefined> {
    const extra = Object.fromEntries((oauth.additionalValues ?? []).map((item) => [item.name, item.value]));
    return { ...extra, scope: oauth.scope, resource: oauth.resource };
  }

  get redirectUri(): string {
    return `${this.deps.config.publicUrl}/oauth/callback`;
  }

  /** Warnings for a request: a public URL without TLS, a provider reached over plain HTTP. */
  warningFor(provider: OAuthProvider): string | null {
    const warnings: string[] = [];
    if (!this.deps.config.publicUrl.startsWith('https:')) warnings.push(`PUBLIC_URL (${this.deps.config.publicUrl}) is not HTTPS: callbacks may not work.`);
    if (isInsecure(this.endpointsOf(provider))) warnings.push('The provider is reached over plain HTTP: tokens travel unencrypted.');
    return warnings.length ? warnings.join(' ') : null;
  }

  /** Asks the provider for a token by a direct flow (no browser): refresh grant when one is held. */
  async obtain(provider: OAuthProvider, oauth: OAuthToken, options: { preferRefresh: boolean }): Promise<GrantedToken> {
    const endpoints = this.endpointsOf(provider);
    const credentials = this.credentialsOf(provider, oauth);
    const parameters = this.requestParameters(oauth);
    if (options.preferRefresh && oauth.refreshTokenSealed) {
      return OAuthClient.refresh(endpoints, credentials, this.unseal(oauth.id, 'refreshToken', oauth.refreshTokenSealed), { ...parameters, scope: oauth.scope });
    }
    switch (oauth.flow) {
      case OAuthFlow.CLIENT_CREDENTIALS:
        return OAuthClient.clientCredentials(endpoints, credentials, parameters);
      case OAuthFlow.PASSWORD: {
        const { username, password } = JSON.parse(this.unseal(oauth.id, 'credentials', oauth.credentialsSealed ?? '')) as { username: string; password: string };
        return OAuthClient.password(endpoints, credentials, { ...parameters, username, password });
      }
      default:
        throw new ProviderFailure('No refresh token is held: approve again through startTokenRequest.', 'no_refresh_token');
    }
  }

  /** Records a provider's token on the row; a new term on the token record (REFRESHED unless `created`). */
  applyGranted(tx: Tx, view: OAuthTokenView, granted: GrantedToken, created: boolean): void {
    const { oauth, record } = view;
    const expiresAt = granted.expiresIn !== undefined ? new Date(tx.now.getTime() + granted.expiresIn * 1000) : null;
    oauth.accessTokenSealed = this.seal(oauth.id, 'accessToken', granted.accessToken);
    if (granted.refreshToken) oauth.refreshTokenSealed = this.seal(oauth.id, 'refreshToken', granted.refreshToken);
    oauth.tokenType = granted.tokenType ?? null;
    oauth.grantedScope = granted.scope ?? oauth.grantedScope ?? null;
    oauth.status = OAuthTokenStatus.ACTIVE;
    oauth.providerError = null;
    oauth.lastRefreshedAt = tx.now;
    oauth.refreshFailures = 0;
    oauth.nextRefreshAt = expiresAt ? new Date(Math.max(tx.now.getTime(), expiresAt.getTime() - this.deps.config.oauthRefreshLeadMs)) : null;
    oauth.updatedAt = tx.now;
    if (created) {
      this.deps.tokens.startTerm(tx, record, expiresAt);
    } else {
      this.deps.tokens.refresh(tx, record, expiresAt as Date);
    }
  }

  private validateNew(provider: Pick<OAuthProvider, 'privateKeyPemSealed'>, input: NewOAuthToken): void {
    if (provider.privateKeyPemSealed && input.flow !== OAuthFlow.CLIENT_CREDENTIALS) throw Errors.privateKeyOnlyClientCredentials('input.flow');
    if (!input.useDefaultKeys && (!input.consumerKey || !input.secretKey)) throw Errors.ownKeysRequired();
    if (input.flow === OAuthFlow.PASSWORD && (!input.username || !input.password)) throw Errors.passwordRequired();
  }

  async createToken(actor: Actor, input: NewOAuthToken): Promise<TokenRequestResult> {
    // NOT_FOUND only when there is no such provider: a storage failure stays what it is.
    const provider = await this.findProvider(this.deps.orm.em.fork(), actor.tenantId, input.providerId);
    this.validateNew(provider, input);
    const browser = BROWSER_FLOWS.has(input.flow);
    const draft = Object.assign(new OAuthToken(), {
      id: 'draft',
      flow: input.flow,
      useDefaultKeys: input.useDefaultKeys,
      consumerKey: input.useDefaultKeys ? null : input.consumerKey,
      scope: input.flow === OAuthFlow.OIDC_HYBRID ? withOpenId(input.scope) : input.scope ?? null,
      resource: input.resource ?? null,
      additionalValues: input.additionalValues ?? [],
    });
    // Direct flows ask the provider before anything is written: one CREATED event with the outcome.
    let outcome: { granted?: GrantedToken; failure?: ProviderFailure } = {};
    const credentialsFor = (): ClientCredentials => (provider.privateKeyPemSealed || input.useDefaultKeys ? this.credentialsOf(provider) : { clientId: input.consumerKey ?? '', clientSecret: input.secretKey ?? '' });
    if (!browser) {
      const credentials = credentialsFor();
      const parameters = this.requestParameters(draft);
      try {
        outcome.granted =
          input.flow === OAuthFlow.PASSWORD
            ? await OAuthClient.password(this.endpointsOf(provider), credentials, { ...parameters, username: input.username, password: input.password })
            : await OAuthClient.clientCredentials(this.endpointsOf(provider), credentials, parameters);
      } catch (error) {
        if (!(error instanceof ProviderFailure)) throw error;
        outcome = { failure: error };
      }
    }
    let authorizationUrl: string | null = null;
    const view = await this.deps.lifecycle.run(actor, async (tx) => {
      // Read again in the transaction: a delete of the provider that commits meanwhile is
      // serialized with this (NOT_FOUND here, or PROVIDER_IN_USE there), never a foreign-key error.
      await this.findProvider(tx.em, actor.tenantId, provider.id);
      const { token: record } = await this.deps.tokens.issue(tx, {
        kind: TokenKind.OAUTH,
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
        consumerSecretSealed: input.useDefaultKeys || !input.secretKey ? null : this.seal(record.id, 'consumerSecret', input.secretKey),
        credentialsSealed: input.flow === OAuthFlow.PASSWORD ? this.seal(record.id, 'credentials', JSON.stringify({ username: input.username, password: input.password })) : null,
        refreshFailures: 0,
        createdAt: tx.now,
        updatedAt: tx.now,
      });
      const view = { record, oauth };
      if (outcome.granted) this.applyGranted(tx, view, outcome.granted, true);
      if (outcome.failure) {
        oauth.status = OAuthTokenStatus.FAILED;
        oauth.providerError = outcome.failure.message;
      }
      if (browser) authorizationUrl = await this.newAuthorizationLink(view, provider);
      tx.emit(TokenEventType.CREATED, record, outcome.failure ? { reason: outcome.failure.code, detail: outcome.failure.message } : undefined);
      return view;
    }).catch(async (error: unknown) => {
      // Nothing was stored: a grant obtained for it would live on at the provider unseen.
      if (outcome.granted) await this.abandonGrant(provider, credentialsFor(), outcome.granted);
      throw error;
    });
    return { view, authorizationUrl, warning: this.warningFor(provider) };
  }

  /** A fresh link with state, PKCE and (hybrid) nonce; the verifier is kept sealed for the callback. */
  private async newAuthorizationLink(view: OAuthTokenView, provider: OAuthProvider): Promise<string> {
    const { oauth } = view;
    const link = await OAuthClient.authorizationLink(
      this.endpointsOf(provider),
      this.credentialsOf(provider, oauth),
      { ...this.requestParameters(oauth), redirect_uri: this.redirectUri },
      oauth.flow === OAuthFlow.OIDC_HYBRID,
    );
    oauth.pendingState = link.state;
    oauth.pendingSealed = this.seal(oauth.id, 'pending', JSON.stringify({ codeVerifier: link.codeVerifier, nonce: link.nonce }));
    return link.url;
  }

  async startTokenRequest(actor: Actor, id: string): Promise<TokenRequestResult> {
    return this.deps.lifecycle.run(actor, async (tx) => {
      const { provider, ...view } = await this.findToken(tx.em, actor.tenantId, id);
      if (!BROWSER_FLOWS.has(view.oauth.flow)) throw Errors.notForFlow('startTokenRequest', view.oauth.flow);
      if (view.record.revokedAt) throw Errors.revoked(id);
      const authorizationUrl = await this.newAuthorizationLink(view, provider);
      if (view.oauth.status !== OAuthTokenStatus.ACTIVE) {
        view.oauth.status = OAuthTokenStatus.REQUESTED;
        view.oauth.providerError = null;
      }
      view.oauth.updatedAt = tx.now;
      tx.audit('oauth_token.start_request', { type: TokenKind.OAUTH, id, name: view.record.name });
      return { view, authorizationUrl, warning: this.warningFor(provider) };
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
    if (!oauth || !oauth.pendingSealed) return { ok: false, message: 'This authorization link is unknown or was already used. Ask for a fresh one (startTokenRequest).' };
    const pending = JSON.parse(this.unseal(oauth.id, 'pending', oauth.pendingSealed)) as { codeVerifier: string; nonce?: string };
    const actor = { ...systemActor(oauth.tenantId), name: 'oauth callback' };
    const claimed = await this.deps.lifecycle.run(actor, async (tx) => (await tx.em.nativeUpdate(OAuthToken, { id: oauth.id, pendingState: state }, { pendingState: null, pendingSealed: null })) === 1);
    if (!claimed) return { ok: false, message: 'This authorization link was already used. Ask for a fresh one (startTokenRequest).' };
    const provider = await em.findOneOrFail(OAuthProvider, { id: oauth.providerId });

    let outcome: { granted?: GrantedToken; failure?: string; code?: string };
    if (query.error) {
      const text = providerErrorText(query.error, query.error_description);
      outcome = { failure: text.message, code: text.code };
    } else {
      const callbackUrl = new URL(this.redirectUri);
      for (const [name, value] of Object.entries(query)) callbackUrl.searchParams.set(name, value);
      try {
        outcome = { granted: await OAuthClient.exchangeCode(this.endpointsOf(provider), this.credentialsOf(provider, oauth), callbackUrl, { state, ...pending }, {}) };
      } catch (error) {
        if (!(error instanceof ProviderFailure)) throw error;
        outcome = { failure: error.message, code: error.code };
      }
    }
    const name = await this.deps.lifecycle.run(actor, async (tx) => {
      const view = await this.findToken(tx.em, oauth.tenantId, oauth.id);
      if (outcome.granted) {
        this.applyGranted(tx, view, outcome.granted, false);
      } else {
        view.oauth.status = view.oauth.status === OAuthTokenStatus.ACTIVE ? OAuthTokenStatus.ACTIVE : OAuthTokenStatus.FAILED;
        view.oauth.providerError = outcome.failure ?? null;
        view.oauth.updatedAt = tx.now;
        tx.emit(TokenEventType.REFRESH_FAILED, view.record, { reason: outcome.code, detail: outcome.failure });
      }
      return view.record.name;
    });
    return outcome.granted
      ? { ok: true, message: `Token "${name}" is ready: Tessera holds its access token now. You can close this page.` }
      : { ok: false, message: `Token "${name}" was not issued: ${outcome.failure}` };
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
    let granted: GrantedToken | undefined;
    let failure: ProviderFailure | undefined;
    try {
      granted = await this.obtain(provider, oauth, options);
    } catch (error) {
      if (!(error instanceof ProviderFailure)) throw error;
      failure = error;
    }
    return this.deps.lifecycle.run(actor, async (tx) => {
      const { provider: _provider, ...view } = await this.findToken(tx.em, actor.tenantId, id);
      if (granted) {
        this.applyGranted(tx, view, granted, false);
      } else if (failure) {
        if (view.oauth.status !== OAuthTokenStatus.ACTIVE) view.oauth.status = OAuthTokenStatus.FAILED;
        view.oauth.providerError = failure.message;
        view.oauth.updatedAt = tx.now;
        tx.emit(TokenEventType.REFRESH_FAILED, view.record, { reason: failure.code, detail: failure.message });
      }
      return view;
    }).catch(async (error: unknown) => {
      // The token was deleted while the provider was asked: the new grant belongs to nothing.
      if (granted && error instanceof AppError && error.code === ErrorCode.NOT_FOUND) await this.abandonGrant(provider, this.credentialsOf(provider, oauth), granted);
      throw error;
    });
  }

  /**
   * Revokes at the provider (RFC 7009) a grant Tessera obtained but could not store (what it was
   * for no longer exists): refresh token first, then access token. Best effort: a provider that
   * refuses or has no revocation URL is logged (never the values).
   */
  private async abandonGrant(provider: OAuthProvider, credentials: ClientCredentials, granted: GrantedToken): Promise<void> {
    if (!provider.revocationUrl) {
      this.deps.logger.warn({ providerId: provider.id }, 'a grant obtained for an OAuth token that no longer exists cannot be revoked: the provider has no revocation URL');
      return;
    }
    const values = [
      ...(granted.refreshToken ? [{ value: granted.refreshToken, hint: 'refresh_token' as const }] : []),
      { value: granted.accessToken, hint: 'access_token' as const },
    ];
    for (const { value, hint } of values) {
      try {
        await OAuthClient.revoke(this.endpointsOf(provider), credentials, value, hint);
      } catch (error) {
        this.deps.logger.warn({ providerId: provider.id, hint, error: error instanceof Error ? error.message : String(error) }, 'could not revoke a grant obtained for an OAuth token that no longer exists');
      }
    }
  }

  async rename(actor: Actor, id: string, name: string): Promise<OAuthTokenView> {
    if (name.length < 1 || name.length > 100 || !NAME_PATTERN.test(name)) throw Errors.badName();
    return this.deps.lifecycle.run(actor, async (tx) => {
      const { provider: _provider, ...view } = await this.findToken(tx.em, actor.tenantId, id);
      const previous = view.record.name;
      view.record.name = name;
      view.record.updatedAt = tx.now;
      tx.audit('oauth_token.renamed', { type: TokenKind.OAUTH, id, name }, { previousName: previous });
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
    const outcome = await this.revokeGrant(provider, held.oauth, options.revokeAtProvider);
    return this.deps.lifecycle.run(actor, async (tx) => {
      const { provider: _provider, ...view } = await this.findToken(tx.em, actor.tenantId, id);
      // Compare-and-delete: a refresh that landed while the provider was asked (the background
      // job, another instance) left a grant that was not revoked; deleting would orphan it live.
      const unchanged = outcome === GrantRevocation.REVOKED ? { refreshTokenSealed: held.oauth.refreshTokenSealed ?? null, accessTokenSealed: held.oauth.accessTokenSealed ?? null } : {};
      if ((await tx.em.nativeDelete(OAuthToken, { id, ...unchanged })) === 0) throw Errors.changedWhileDeleting(id);
      await this.deps.tokens.delete(tx, view.record, outcome ? { reason: outcome } : undefined);
      return view;
    });
  }

  /** What deleting did about the grant at the provider (null: Tessera held no token of it). */
  private async revokeGrant(provider: OAuthProvider, oauth: OAuthToken, asked: boolean): Promise<GrantRevocation | null> {
    const held = [
      { sealed: oauth.refreshTokenSealed, field: 'refreshToken', hint: 'refresh_token' as const },
      { sealed: oauth.accessTokenSealed, field: 'accessToken', hint: 'access_token' as const },
    ].filter((one): one is { sealed: string; field: string; hint: 'refresh_token' | 'access_token' } => !!one.sealed);
    if (held.length === 0) return null;
    if (!asked) return GrantRevocation.NOT_ASKED;
    if (!provider.revocationUrl) return GrantRevocation.NOT_SUPPORTED;
    for (const { sealed, field, hint } of held) await this.revokeAtProvider(provider, oauth, this.unseal(oauth.id, field, sealed), hint);
    return GrantRevocation.REVOKED;
  }

  /** RFC 7009 revocation of one value; the provider refusing it (or not answering) is a CONFLICT that changes nothing. */
  private async revokeAtProvider(provider: OAuthProvider, oauth: OAuthToken, value: string, hint: 'access_token' | 'refresh_token'): Promise<void> {
    try {
      await OAuthClient.revoke(this.endpointsOf(provider), this.credentialsOf(provider, oauth), value, hint);
    } catch (error) {
      if (error instanceof ProviderFailure) throw Errors.revocationRefused(error.message);
      throw error;
    }
  }

  /**
   * Revokes the current access token at the provider (RFC 7009, when it has a revocation URL),
   * then requests a new one with the new parameters. A refused revocation changes nothing.
   */
  async resetClientCredentials(actor: Actor, id: string, changes: { scope?: string | null; resource?: string | null; additionalValues?: AdditionalValue[] | null }): Promise<OAuthTokenView> {
    const { provider, ...view } = await this.findToken(this.deps.orm.em.fork(), actor.tenantId, id);
    if (view.oauth.flow !== OAuthFlow.CLIENT_CREDENTIALS) throw Errors.notForFlow('resetClientCredentialsToken', view.oauth.flow);
    if (view.oauth.accessTokenSealed && provider.revocationUrl) await this.revokeAtProvider(provider, view.oauth, this.unseal(id, 'accessToken', view.oauth.accessTokenSealed), 'access_token');
    const oauth = view.oauth;
    if (changes.scope !== undefined && changes.scope !== null) oauth.scope = changes.scope || null;
    if (changes.resource !== undefined && changes.resource !== null) oauth.resource = changes.resource || null;
    if (changes.additionalValues) oauth.additionalValues = changes.additionalValues;
    let granted: GrantedToken | undefined;
    let failure: ProviderFailure | undefined;
    try {
      granted = await this.obtain(provider, oauth, { preferRefresh: false });
    } catch (error) {
      if (!(error instanceof ProviderFailure)) throw error;
      failure = error;
    }
    return this.deps.lifecycle.run(actor, async (tx) => {
      const { provider: _provider, ...current } = await this.findToken(tx.em, actor.tenantId, id);
      Object.assign(current.oauth, { scope: oauth.scope, resource: oauth.resource, additionalValues: oauth.additionalValues, accessTokenSealed: null, updatedAt: tx.now });
      tx.audit('oauth_token.reset', { type: TokenKind.OAUTH, id, name: current.record.name }, { revokedAtProvider: !!provider.revocationUrl });
      if (granted) {
        this.applyGranted(tx, current, granted, false);
      } else if (failure) {
        current.oauth.status = OAuthTokenStatus.FAILED;
        current.oauth.providerError = failure.message;
        current.oauth.nextRefreshAt = null;
        tx.emit(TokenEventType.REFRESH_FAILED, current.record, { reason: failure.code, detail: failure.message });
      }
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
      tx.audit('oauth_token.access_token_read', { type: TokenKind.OAUTH, id, name: view.record.name });
      return { view, accessToken: this.unseal(id, 'accessToken', view.oauth.accessTokenSealed) };
    });
  }

  // ---- export / import ----

  async exportBundle(actor: Actor, passphrase: string): Promise<{ bundle: string; providerCount: number; tokenCount: number }> {
    if (passphrase.length < 12 || passphrase.length > 1000) throw Errors.weakPassphrase();
    const em = this.deps.orm.em.fork();
    const providers = await em.find(OAuthProvider, { tenantId: actor.tenantId }, { orderBy: { id: 'asc' } });
    const tokens = await em.find(OAuthToken, { tenantId: actor.tenantId }, { orderBy: { id: 'asc' } });
    const records = new Map((await em.find(TokenRecord, { id: { $in: tokens.map((token) => token.id) }, revokedAt: null })).map((record) => [record.id, record]));
    const open = (id: string, field: string, sealed?: string | null) => (sealed ? this.unseal(id, field, sealed) : null);
    const content: BundleContent = {
      providers: providers.map((provider) => ({
        id: provider.id,
        name: provider.name,
        authorizeUrl: provider.authorizeUrl,
        tokenUrl: provider.tokenUrl,
        revocationUrl: provider.revocationUrl ?? null,
        defaultConsumerKey: provider.defaultConsumerKey,
        defaultConsumerSecret: this.unseal(provider.id, 'consumerSecret', provider.defaultConsumerSecretSealed),
        privateKeyJwt: provider.privateKeyPemSealed ? { privateKeyPem: this.unseal(provider.id, 'privateKey', provider.privateKeyPemSealed), keyId: provider.privateKeyId ?? '', algorithm: provider.privateKeyAlgorithm ?? '' } : null,
      })),
      tokens: tokens.flatMap((token) => {
        const record = records.get(token.id);
        if (!record) return [];
        return [
          {
            name: record.name,
            providerId: token.providerId,
            flow: token.flow,
            status: token.status === OAuthTokenStatus.REQUESTED ? OAuthTokenStatus.FAILED : token.status,
            useDefaultKeys: token.useDefaultKeys,
            consumerKey: token.consumerKey ?? null,
            consumerSecret: open(token.id, 'consumerSecret', token.consumerSecretSealed),
            credentials: open(token.id, 'credentials', token.credentialsSealed),
            resource: token.resource ?? null,
            scope: token.scope ?? null,
            additionalValues: token.additionalValues ?? [],
            accessToken: open(token.id, 'accessToken', token.accessTokenSealed),
            refreshToken: open(token.id, 'refreshToken', token.refreshTokenSealed),
            tokenType: token.tokenType ?? null,
            grantedScope: token.grantedScope ?? null,
            providerError: token.providerError ?? null,
            expiresAt: record.expiresAt ? record.expiresAt.toISOString() : null,
          },
        ];
      }),
    };
    const bundle = await sealBundle(content, passphrase);
    await this.deps.lifecycle.run(actor, async (tx) => {
      tx.audit('oauth.bundle_exported', { type: 'OAUTH_BUNDLE' }, { providers: content.providers.length, tokens: content.tokens.length });
    });
    return { bundle, providerCount: content.providers.length, tokenCount: content.tokens.length };
  }

  /**
   * Imports a bundle. Refused whole, writing nothing, when it cannot be opened, is longer than
   * MAX_BUNDLE_CHARS or holds more than MAX_BUNDLE_ITEMS items. Every item is checked as its create
   * mutation checks its input (the same input class, then the service's own checks); one that fails
   * is reported INVALID with that error and nothing of it is written, while the others are
   * imported. Writes go IMPORT_BATCH_SIZE items per transaction, yielding to other requests between
   * two, so a large bundle never holds the database (nor the event-order lock) for long.
   */
  async importBundle(actor: Actor, bundle: string, passphrase: string, onConflict: ImportConflict): Promise<ImportedItem[]> {
    if (bundle.length > MAX_BUNDLE_CHARS) throw Errors.bundleTooLarge(MAX_BUNDLE_CHARS);
    if (passphrase.length > 1000) throw Errors.badBundle();
    const content = (await openBundle(bundle, passphrase)) as { providers?: unknown; tokens?: unknown } | null;
    if (!content || typeof content !== 'object' || !Array.isArray(content.providers) || !Array.isArray(content.tokens)) throw Errors.badBundle();
    const sources = { providers: content.providers as unknown[], tokens: content.tokens as unknown[] };
    const count = sources.providers.length + sources.tokens.length;
    if (count > MAX_BUNDLE_ITEMS) throw Errors.tooManyBundleItems(count, MAX_BUNDLE_ITEMS);

    const items: ImportedItem[] = [];
    /** Bundle provider id → the provider its tokens go to here. */
    const targets = new Map<string, ImportTarget>();
    for (const batch of chunks(sources.providers, IMPORT_BATCH_SIZE)) {
      const checked = await Promise.all(batch.map((raw) => this.checkImportedProvider(raw)));
      const done = await this.importBatch(actor, 'provider', checked, onConflict, (tx, item) => this.importProvider(tx, actor, item, onConflict));
      for (const result of done) {
        items.push(result.item);
        if (result.target) targets.set(result.target.sourceId, result.target);
      }
      await yieldToOthers();
    }
    for (const batch of chunks(sources.tokens, IMPORT_BATCH_SIZE)) {
      const checked = await Promise.all(batch.map((raw) => checkTokenItem(raw).then((token) => ({ raw, token }), (error: unknown) => ({ raw, error }))));
      const done = await this.importBatch(actor, 'token', checked, onConflict, (tx, item) => this.importToken(tx, actor, item, onConflict, targets));
      items.push(...done.map((result) => result.item));
      await yieldToOthers();
    }
    return items;
  }

  /** A provider item checked as createProvider checks its input: the input class, then {@link validateProvider}. */
  private async checkImportedProvider(raw: unknown): Promise<{ raw: unknown; provider?: CheckedProvider; error?: unknown }> {
    try {
      const provider = await checkProviderItem(raw);
      await this.validateProvider(provider.input);
      return { raw, provider };
    } catch (error) {
      return { raw, error };
    }
  }

  /**
   * Writes one batch in one transaction. Should it fail on a name another request took meanwhile,
   * its items are written again one transaction each, so only the item that collided is refused.
   */
  private async importBatch<T extends { raw: unknown; error?: unknown }>(
    actor: Actor,
    type: ImportedItem['type'],
    batch: T[],
    onConflict: ImportConflict,
    write: (tx: Tx, item: T) => Promise<ImportResult>,
  ): Promise<ImportResult[]> {
    const run = (part: T[]) =>
      this.deps.lifecycle.run(actor, async (tx) => {
        const results: ImportResult[] = [];
        for (const item of part) {
          // Every check runs before the item's first write: a refusal leaves nothing of it.
          const result = item.error !== undefined ? invalidItem(type, item.raw, item.error) : await write(tx, item).catch((error: unknown) => rethrowUnlessRefusal(error, type, item.raw));
          // Written now, so the next item of the batch sees its name.
          await tx.em.flush();
          results.push(result);
        }
        const written = results.filter((result) => result.item.outcome !== ImportOutcome.INVALID && result.item.outcome !== ImportOutcome.SKIPPED).length;
        // One entry per batch, refused items counted: an import of nothing but invalid items is audited too.
        tx.audit('oauth.bundle_imported', { type: 'OAUTH_BUNDLE' }, { onConflict, items: results.length, written, invalid: results.filter((result) => result.item.outcome === ImportOutcome.INVALID).length });
        return results;
      });
    try {
      return await run(batch);
    } catch (error) {
      if (!(error instanceof UniqueConstraintViolationException) || batch.length === 1) {
        if (error instanceof UniqueConstraintViolationException) return [invalidItem(type, batch[0].raw, Errors.importNameTaken(displayName(batch[0].raw)))];
        throw error;
      }
      const results: ImportResult[] = [];
      for (const item of batch) results.push(...(await this.importBatch(actor, type, [item], onConflict, write)));
      return results;
    }
  }

  private async importProvider(tx: Tx, actor: Actor, item: { raw: unknown; provider?: CheckedProvider }, onConflict: ImportConflict): Promise<ImportResult> {
    const { sourceId, input } = item.provider as CheckedProvider;
    const name = input.name;
    const existing = await tx.em.findOne(OAuthProvider, { tenantId: actor.tenantId, name });
    const taken = !!existing;
    if (existing && onConflict === ImportConflict.SKIP) {
      return { item: { type: 'provider', name, importedName: name, outcome: ImportOutcome.SKIPPED, id: null }, target: { sourceId, id: existing.id, privateKey: !!existing.privateKeyPemSealed } };
    }
    if (existing && onConflict === ImportConflict.REPLACE) {
      // As updateProvider: a private key only on a provider whose tokens all use CLIENT_CREDENTIALS.
      if (input.privateKeyJwt && (await tx.em.count(OAuthToken, { providerId: existing.id, flow: { $ne: OAuthFlow.CLIENT_CREDENTIALS } }))) throw Errors.privateKeyWhileOtherFlows();
      Object.assign(existing, { authorizeUrl: input.authorizeUrl, tokenUrl: input.tokenUrl, revocationUrl: input.revocationUrl || null, defaultConsumerKey: input.defaultConsumerKey, updatedAt: tx.now });
      existing.defaultConsumerSecretSealed = this.seal(existing.id, 'consumerSecret', input.defaultConsumerSecret);
      this.sealPrivateKey(existing, input.privateKeyJwt);
      tx.audit('oauth_provider.updated', { type: 'OAUTH_PROVIDER', id: existing.id, name });
      return { item: { type: 'provider', name, importedName: name, outcome: ImportOutcome.REPLACED, id: existing.id }, target: { sourceId, id: existing.id, privateKey: !!input.privateKeyJwt } };
    }
    const importedName = taken ? freeName(name, await this.providerNames(tx, actor.tenantId)) : name;
    const created = this.newProvider(tx, actor.tenantId, { ...input, name: importedName });
    tx.audit('oauth_provider.created', { type: 'OAUTH_PROVIDER', id: created.id, name: importedName });
    return { item: { type: 'provider', name, importedName, outcome: taken ? ImportOutcome.RENAMED : ImportOutcome.CREATED, id: created.id }, target: { sourceId, id: created.id, privateKey: !!input.privateKeyJwt } };
  }

  private async providerNames(tx: Tx, tenantId: string): Promise<Set<string>> {
    return new Set((await tx.em.find(OAuthProvider, { tenantId }, { fields: ['name'] })).map((row) => row.name));
  }

  private async importToken(tx: Tx, actor: Actor, item: { raw: unknown; token?: CheckedToken }, onConflict: ImportConflict, targets: Map<string, ImportTarget>): Promise<ImportResult> {
    const { input, state } = item.token as CheckedToken;
    const target = targets.get(input.providerId);
    if (!target) throw Errors.importedProviderMissing();
    // createToken's own checks, against the provider the token goes to here.
    this.validateNew({ privateKeyPemSealed: target.privateKey ? 'held' : null }, input);
    const existing = await tx.em.findOne(TokenRecord, { tenantId: actor.tenantId, kind: TokenKind.OAUTH, name: input.name });
    const taken = !!existing;
    if (taken && onConflict === ImportConflict.SKIP) return { item: { type: 'token', name: input.name, importedName: input.name, outcome: ImportOutcome.SKIPPED, id: null } };
    if (existing && onConflict === ImportConflict.REPLACE) {
      await tx.em.nativeDelete(OAuthToken, { id: existing.id });
      await this.deps.tokens.delete(tx, existing);
    }
    const rename = taken && onConflict === ImportConflict.RENAME;
    const name = rename ? freeName(input.name, await this.tokenNames(tx, actor.tenantId)) : input.name;
    const expiresAt = state.expiresAt ? new Date(state.expiresAt) : null;
    const { token: record } = await this.deps.tokens.issue(tx, {
      kind: TokenKind.OAUTH,
      tenantId: actor.tenantId,
      name,
      ownerId: actor.id,
      subjectType: 'provider',
      subjectId: target.id,
      expiresAt,
      external: true,
    });
    // The record first: the OAuth row refers to it.
    await tx.em.flush();
    const seal = (field: string, value: string | null | undefined) => (value ? this.seal(record.id, field, value) : null);
    const ownKeys = !input.useDefaultKeys;
    tx.em.create(OAuthToken, {
      id: record.id,
      tenantId: actor.tenantId,
      providerId: target.id,
      flow: input.flow,
      status: state.status,
      useDefaultKeys: input.useDefaultKeys,
      consumerKey: ownKeys ? input.consumerKey : null,
      consumerSecretSealed: ownKeys ? seal('consumerSecret', input.secretKey) : null,
      credentialsSealed: input.flow === OAuthFlow.PASSWORD ? seal('credentials', JSON.stringify({ username: input.username, password: input.password })) : null,
      resource: input.resource ?? null,
      scope: input.scope ?? null,
      additionalValues: additionalValuesOf(input),
      accessTokenSealed: seal('accessToken', state.accessToken),
      refreshTokenSealed: seal('refreshToken', state.refreshToken),
      tokenType: state.tokenType ?? null,
      grantedScope: state.grantedScope ?? null,
      providerError: state.providerError ?? null,
      nextRefreshAt: state.status === OAuthTokenStatus.ACTIVE && expiresAt ? new Date(Math.max(tx.now.getTime(), expiresAt.getTime() - this.deps.config.oauthRefreshLeadMs)) : null,
      refreshFailures: 0,
      createdAt: tx.now,
      updatedAt: tx.now,
    });
    const outcome = !taken ? ImportOutcome.CREATED : rename ? ImportOutcome.RENAMED : ImportOutcome.REPLACED;
    return { item: { type: 'token', name: input.name, importedName: name, outcome, id: record.id } };
  }

  private async tokenNames(tx: Tx, tenantId: string): Promise<Set<string>> {
    return new Set((await tx.em.find(TokenRecord, { tenantId, kind: TokenKind.OAUTH }, { fields: ['name'] })).map((row) => row.name));
  }
}

/** Where an imported provider's tokens go: a provider here, and whether it signs with a private key. */
interface ImportTarget {
  sourceId: string;
  id: string;
  privateKey: boolean;
}

interface ImportResult {
  item: ImportedItem;
  target?: ImportTarget;
}

/** An item refused by a check: reported with the error its create mutation would answer. */
function invalidItem(type: ImportedItem['type'], raw: unknown, error: unknown): ImportResult {
  const problem = isAppError(error) ? { code: error.code, field: error.field ?? null, message: error.message } : { code: ErrorCode.BAD_USER_INPUT, field: null, message: 'The item cannot be read.' };
  const name = displayName(raw);
  return { item: { type, name, importedName: name, outcome: ImportOutcome.INVALID, id: null, problem } };
}

/** A refusal (AppError) thrown before the item wrote anything becomes its INVALID result; anything else fails the batch. */
function rethrowUnlessRefusal(error: unknown, type: ImportedItem['type'], raw: unknown): ImportResult {
  if (isAppError(error)) return invalidItem(type, raw, error);
  throw error;
}

function chunks<T>(list: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/** Lets every request that arrived meanwhile run before the next batch. */
function yieldToOthers(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** What a bundle holds, in clear once opened. */
interface BundleContent {
  providers: (NewOAuthProvider & { id: string })[];
  tokens: {
    name: string;
    providerId: string;
    flow: OAuthFlow;
    status: OAuthTokenStatus;
    useDefaultKeys: boolean;
    consumerKey: string | null;
    consumerSecret: string | null;
    credentials: string | null;
    resource: string | null;
    scope: string | null;
    additionalValues: AdditionalValue[];
    accessToken: string | null;
    refreshToken: string | null;
    tokenType: string | null;
    grantedScope: string | null;
    providerError: string | null;
    expiresAt: string | null;
  }[];
}

export interface ImportedItem {
  type: 'provider' | 'token';
  name: string;
  importedName: string;
  outcome: ImportOutcome;
  id: string | null;
  problem?: { code: string; field: string | null; message: string } | null;
}

/** Two requests racing for one provider name: the loser reads as CONFLICT, never as a database error. */
function nameRace(name: string): (error: unknown) => never {
  return (error) => {
    if (error instanceof UniqueConstraintViolationException) throw Errors.providerNameTaken(name);
    throw error;
  };
}

/** `name (2)`, `name (3)`, … whichever is free first; the name is cut so the result keeps to 100 characters, as names must. */
function freeName(name: string, taken: Set<string>): string {
  for (let n = 2; ; n += 1) {
    const suffix = ` (${n})`;
    let base = name.slice(0, 100 - suffix.length);
    if (/[\ud800-\udbff]$/.test(base)) base = base.slice(0, -1);
    const candidate = `${base.trimEnd()}${suffix}`;
    if (!taken.has(candidate)) return candidate;
  }
}

function withOpenId(scope: string | null | undefined): string {
  const scopes = new Set((scope ?? '').split(/\s+/).filter(Boolean));
  scopes.add('openid');
  return [...scopes].join(' ');
}
