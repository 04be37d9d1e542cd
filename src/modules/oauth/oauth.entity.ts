import { Entity, Index, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';

/** How Tessera obtains a token from a provider. */
export enum OAuthFlow {
  AUTHORIZATION_CODE = 'AUTHORIZATION_CODE',
  CLIENT_CREDENTIALS = 'CLIENT_CREDENTIALS',
  PASSWORD = 'PASSWORD',
  OIDC_HYBRID = 'OIDC_HYBRID',
}

/** Where an outbound token stands with its provider. */
export enum OAuthTokenStatus {
  REQUESTED = 'REQUESTED',
  ACTIVE = 'ACTIVE',
  FAILED = 'FAILED',
  EXPIRED = 'EXPIRED',
  REVOKED = 'REVOKED',
}

/** An extra parameter sent with every request for a token. */
export interface AdditionalValue {
  name: string;
  value: string;
}

/** A third-party OAuth 2.0 authorization server. Secrets are AES-GCM sealed under the server key, bound to the row id. */
@Entity({ tableName: 'oauth_providers' })
@Unique({ properties: ['tenantId', 'name'] })
export class OAuthProvider {
  [OptionalProps]?: 'revocationUrl' | 'privateKeyPemSealed' | 'privateKeyId' | 'privateKeyAlgorithm';

  @PrimaryKey({ type: 'string' })
  id!: string;

  @Property({ type: 'string' })
  tenantId!: string;

  @Property({ type: 'string' })
  name!: string;

  @Property({ type: 'text' })
  authorizeUrl!: string;

  @Property({ type: 'text' })
  tokenUrl!: string;

  @Property({ type: 'text', nullable: true })
  revocationUrl?: string | null;

  @Property({ type: 'string' })
  defaultConsumerKey!: string;

  @Property({ type: 'text' })
  defaultConsumerSecretSealed!: string;

  @Property({ type: 'text', nullable: true })
  privateKeyPemSealed?: string | null;

  @Property({ type: 'string', nullable: true })
  privateKeyId?: string | null;

  @Property({ type: 'string', nullable: true })
  privateKeyAlgorithm?: string | null;

  @Property({ type: 'datetime' })
  createdAt!: Date;

  @Property({ type: 'datetime' })
  updatedAt!: Date;
}

/**
 * What Tessera holds for one outbound token: how it is requested and the provider's answer. Its
 * `id` is the id of the token's {@link TokenRecord} (events, expiry notices, last used). Values
 * are sealed and never verifiable by Tessera's verifier (no TokenSecret exists for them).
 */
@Entity({ tableName: 'oauth_tokens' })
@Index({ properties: ['nextRefreshAt'] })
@Index({ properties: ['tenantId', 'providerId'] })
@Index({ properties: ['pendingState'] })
export class OAuthToken {
  [OptionalProps]?:
    | 'consumerKey'
    | 'consumerSecretSealed'
    | 'credentialsSealed'
    | 'resource'
    | 'scope'
    | 'additionalValues'
    | 'accessTokenSealed'
    | 'refreshTokenSealed'
    | 'tokenType'
    | 'grantedScope'
    | 'providerError'
    | 'pendingState'
    | 'pendingSealed'
    | 'nextRefreshAt'
    | 'refreshFailures'
    | 'lastRefreshedAt';

  @PrimaryKey({ type: 'string' })
  id!: string;

  @Property({ type: 'string' })
  tenantId!: string;

  @Property({ type: 'string' })
  providerId!: string;

  @Property({ type: 'string' })
  flow!: OAuthFlow;

  @Property({ type: 'string' })
  status!: OAuthTokenStatus;

  @Property({ type: 'boolean' })
  useDefaultKeys!: boolean;

  @Property({ type: 'string', nullable: true })
  consumerKey?: string | null;

  @Property({ type: 'text', nullable: true })
  consumerSecretSealed?: string | null;

  /** Sealed JSON `{ username, password }` for the password flow. */
  @Property({ type: 'text', nullable: true })
  credentialsSealed?: string | null;

  @Property({ type: 'text', nullable: true })
  resource?: string | null;

  @Property({ type: 'text', nullable: true })
  scope?: string | null;

  @Property({ type: 'json', nullable: true })
  additionalValues?: AdditionalValue[] | null;

  @Property({ type: 'text', nullable: true })
  accessTokenSealed?: string | null;

  @Property({ type: 'text', nullable: true })
  refreshTokenSealed?: string | null;

  @Property({ type: 'string', nullable: true })
  tokenType?: string | null;

  @Property({ type: 'text', nullable: true })
  grantedScope?: string | null;

  /** The provider's last error (`invalid_client: …`), never a secret. */
  @Property({ type: 'text', nullable: true })
  providerError?: string | null;

  /** The `state` of the authorization link waiting for its callback. */
  @Property({ type: 'string', nullable: true })
  pendingState?: string | null;

  /** Sealed JSON `{ codeVerifier, nonce }` of that link. */
  @Property({ type: 'text', nullable: true })
  pendingSealed?: string | null;

  /** When the refresh job must next look at this token; null when nothing is due. */
  @Property({ type: 'datetime', nullable: true })
  nextRefreshAt?: Date | null;

  /** Failed proactive refreshes in a row (0 when healthy). */
  @Property({ type: 'integer' })
  refreshFailures: number = 0;

  @Property({ type: 'datetime', nullable: true })
  lastRefreshedAt?: Date | null;

  @Property({ type: 'datetime' })
  createdAt!: Date;

  @Property({ type: 'datetime' })
  updatedAt!: Date;
}

declare module '../../core/ids' {
  /** The ids this module makes. */
  interface IdPrefixes {
    oap: 'an OAuth provider';
    oat: 'an outbound OAuth token';
  }
}
