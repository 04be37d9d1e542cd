import { TokenEventType } from '../../core/events/event.entity';
import type { Tx } from '../../core/events/outbox';
import type { CoreDeps } from '../../deps';
import { OAuthClient, ProviderFailure, type ClientCredentials, type GrantedToken } from './oauth.client';
import { OAuthFlow, OAuthTokenStatus, type OAuthProvider, type OAuthToken } from './oauth.entity';
import { OAuthErrors as Errors } from './oauth.errors';
import type { OAuthProviders } from './oauth-providers';
import type { OAuthSealer } from './oauth-sealing';
import type { OAuthTokenView } from './oauth.type';

/** What deleting a token did about its grant at the provider: the reason of its DELETED event. */
export enum GrantRevocation {
  /** Revoked at the provider (RFC 7009) before the token was deleted. */
  REVOKED = 'PROVIDER_REVOKED',
  /** The caller chose not to ask the provider (`revokeAtProvider: false`): the grant may live on there. */
  NOT_ASKED = 'PROVIDER_NOT_ASKED',
  /** The provider has no revocation URL: the grant may live on there until it expires. */
  NOT_SUPPORTED = 'PROVIDER_CANNOT_REVOKE',
}

/** What a provider answered a request for a token: the token, or why not. */
export interface GrantOutcome {
  granted?: GrantedToken;
  failure?: { message: string; code?: string };
}

/**
 * Grants: asking a provider for a token (by a direct flow, a refresh grant, or the browser link
 * for authorization code), applying what it answers to the token (one rule, {@link record}),
 * and revoking at the provider what Tessera holds or obtained for nothing.
 */
export class OAuthGrants {
  constructor(
    private readonly deps: CoreDeps,
    private readonly sealer: OAuthSealer,
    private readonly providers: OAuthProviders,
  ) {}

  /** Asks the provider, turning its refusal into an outcome (anything else is thrown). */
  async ask(provider: OAuthProvider, oauth: OAuthToken, options: { preferRefresh: boolean }): Promise<GrantOutcome> {
    try {
      return { granted: await this.obtain(provider, oauth, options) };
    } catch (error) {
      if (!(error instanceof ProviderFailure)) throw error;
      return { failure: { message: error.message, code: error.code } };
    }
  }

  /**
   * Applies a provider's answer to a token, in the transaction that stores it: its token starts a
   * new term (REFRESHED), or its refusal is recorded — the provider's error on the row and a
   * REFRESH_FAILED event. A token that still holds a live access token stays ACTIVE after a
   * failed refresh, unless `lost` says the request gave up what it held (a reset): then it is
   * FAILED and no longer refreshed.
   */
  record(tx: Tx, view: OAuthTokenView, outcome: GrantOutcome, options: { lost?: boolean } = {}): void {
    if (outcome.granted) {
      this.applyGranted(tx, view, outcome.granted, false);
      return;
    }
    if (!outcome.failure) return;
    const { oauth, record } = view;
    if (options.lost || oauth.status !== OAuthTokenStatus.ACTIVE) oauth.status = OAuthTokenStatus.FAILED;
    if (options.lost) oauth.nextRefreshAt = null;
    oauth.providerError = outcome.failure.message;
    oauth.updatedAt = tx.now;
    tx.emit(TokenEventType.REFRESH_FAILED, record, { reason: outcome.failure.code, detail: outcome.failure.message });
  }

  /** What a token sends with every request. */
  requestParameters(oauth: Pick<OAuthToken, 'scope' | 'resource' | 'additionalValues'>): Record<string, string | null | undefined> {
    const extra = Object.fromEntries((oauth.additionalValues ?? []).map((item) => [item.name, item.value]));
    return { ...extra, scope: oauth.scope, resource: oauth.resource };
  }

  get redirectUri(): string {
    return `${this.deps.config.publicUrl}/oauth/callback`;
  }

  /** Asks the provider for a token by a direct flow (no browser): refresh grant when one is held. */
  async obtain(provider: OAuthProvider, oauth: OAuthToken, options: { preferRefresh: boolean }): Promise<GrantedToken> {
    const endpoints = this.providers.endpointsOf(provider);
    const credentials = this.providers.credentialsOf(provider, oauth);
    const parameters = this.requestParameters(oauth);
    if (options.preferRefresh && oauth.refreshTokenSealed) {
      return OAuthClient.refresh(endpoints, credentials, this.sealer.unseal(oauth.id, 'refreshToken', oauth.refreshTokenSealed), {
        ...parameters,
        scope: oauth.scope,
      });
    }
    switch (oauth.flow) {
      case OAuthFlow.CLIENT_CREDENTIALS:
        return OAuthClient.clientCredentials(endpoints, credentials, parameters);
      case OAuthFlow.PASSWORD: {
        const { username, password } = JSON.parse(this.sealer.unseal(oauth.id, 'credentials', oauth.credentialsSealed ?? '')) as {
          username: string;
          password: string;
        };
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
    oauth.accessTokenSealed = this.sealer.seal(oauth.id, 'accessToken', granted.accessToken);
    if (granted.refreshToken) oauth.refreshTokenSealed = this.sealer.seal(oauth.id, 'refreshToken', granted.refreshToken);
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

  /** A fresh link with state, PKCE and (hybrid) nonce; the verifier is kept sealed for the callback. */
  async authorizationLink(view: OAuthTokenView, provider: OAuthProvider): Promise<string> {
    const { oauth } = view;
    const link = await OAuthClient.authorizationLink(
      this.providers.endpointsOf(provider),
      this.providers.credentialsOf(provider, oauth),
      { ...this.requestParameters(oauth), redirect_uri: this.redirectUri },
      oauth.flow === OAuthFlow.OIDC_HYBRID,
    );
    oauth.pendingState = link.state;
    oauth.pendingSealed = this.sealer.seal(oauth.id, 'pending', JSON.stringify({ codeVerifier: link.codeVerifier, nonce: link.nonce }));
    return link.url;
  }

  /**
   * Revokes at the provider (RFC 7009) a grant Tessera obtained but could not store (what it was
   * for no longer exists): refresh token first, then access token. Best effort: a provider that
   * refuses or has no revocation URL is logged (never the values).
   */
  async abandon(provider: OAuthProvider, credentials: ClientCredentials, granted: GrantedToken): Promise<void> {
    if (!provider.revocationUrl) {
      this.deps.logger.warn(
        { providerId: provider.id },
        'a grant obtained for an OAuth token that no longer exists cannot be revoked: the provider has no revocation URL',
      );
      return;
    }
    const values = [
      ...(granted.refreshToken ? [{ value: granted.refreshToken, hint: 'refresh_token' as const }] : []),
      { value: granted.accessToken, hint: 'access_token' as const },
    ];
    for (const { value, hint } of values) {
      try {
        await OAuthClient.revoke(this.providers.endpointsOf(provider), credentials, value, hint);
      } catch (error) {
        this.deps.logger.warn(
          { providerId: provider.id, hint, error: error instanceof Error ? error.message : String(error) },
          'could not revoke a grant obtained for an OAuth token that no longer exists',
        );
      }
    }
  }

  /** What deleting did about the grant at the provider (null: Tessera held no token of it). */
  async revokeHeld(provider: OAuthProvider, oauth: OAuthToken, asked: boolean): Promise<GrantRevocation | null> {
    const held = [
      { sealed: oauth.refreshTokenSealed, field: 'refreshToken', hint: 'refresh_token' as const },
      { sealed: oauth.accessTokenSealed, field: 'accessToken', hint: 'access_token' as const },
    ].filter((one): one is { sealed: string; field: string; hint: 'refresh_token' | 'access_token' } => !!one.sealed);
    if (held.length === 0) return null;
    if (!asked) return GrantRevocation.NOT_ASKED;
    if (!provider.revocationUrl) return GrantRevocation.NOT_SUPPORTED;
    for (const { sealed, field, hint } of held) await this.revokeAtProvider(provider, oauth, this.sealer.unseal(oauth.id, field, sealed), hint);
    return GrantRevocation.REVOKED;
  }

  /** RFC 7009 revocation of one value; the provider refusing it (or not answering) is a CONFLICT that changes nothing. */
  async revokeAtProvider(provider: OAuthProvider, oauth: OAuthToken, value: string, hint: 'access_token' | 'refresh_token'): Promise<void> {
    try {
      await OAuthClient.revoke(this.providers.endpointsOf(provider), this.providers.credentialsOf(provider, oauth), value, hint);
    } catch (error) {
      if (error instanceof ProviderFailure) throw Errors.revocationRefused(error.message);
      throw error;
    }
  }
}
