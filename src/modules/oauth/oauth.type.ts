import type { WarningWindows } from '../../core/tokens/token-status';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ConnectionType } from '../../core/graphql/connection';
import { TokenFields, tokenFields } from '../../core/graphql/token-base.type';
import type { TokenRecord } from '../../core/tokens/token.entity';
import { OAuthFlow, OAuthTokenStatus, type OAuthProvider, type OAuthToken } from './oauth.entity';
import { Node } from '../../core/graphql/node';

@ObjectType('PrivateKeyJwt', { description: 'The private_key_jwt setting of a provider; the key itself is never returned.' })
export class PrivateKeyJwtType {
  @Field(() => String, { description: 'The key id (`kid`).' })
  keyId!: string;

  @Field(() => String, { description: 'The signing algorithm.' })
  algorithm!: string;
}

@ObjectType('OAuthProvider', {
  implements: Node,
  description: 'A third-party OAuth 2.0 authorization server Tessera requests tokens from. Secrets are never returned.',
})
export class OAuthProviderType {
  @Field(() => ID, { description: 'Provider id (`oap_…`).' })
  id!: string;

  @Field(() => String, { description: 'Display name, unique in the tenant.' })
  name!: string;

  @Field(() => String, { description: 'The authorization endpoint.' })
  authorizeUrl!: string;

  @Field(() => String, { description: 'The token endpoint.' })
  tokenUrl!: string;

  @Field(() => String, { nullable: true, description: 'The RFC 7009 revocation endpoint.' })
  revocationUrl!: string | null;

  @Field(() => String, { description: 'The default client id.' })
  defaultConsumerKey!: string;

  @Field(() => PrivateKeyJwtType, {
    nullable: true,
    description: 'Set when the provider authenticates with private_key_jwt (then only CLIENT_CREDENTIALS is allowed).',
  })
  privateKeyJwt!: PrivateKeyJwtType | null;

  @Field(() => [OAuthFlow], { description: 'The flows tokens of this provider may use.' })
  allowedFlows!: OAuthFlow[];

  @Field(() => Date, { description: 'When it was created.' })
  createdAt!: Date;

  @Field(() => Date, { description: 'When it last changed.' })
  updatedAt!: Date;

  static from(provider: OAuthProvider): OAuthProviderType {
    return Object.assign(new OAuthProviderType(), {
      id: provider.id,
      name: provider.name,
      authorizeUrl: provider.authorizeUrl,
      tokenUrl: provider.tokenUrl,
      revocationUrl: provider.revocationUrl ?? null,
      defaultConsumerKey: provider.defaultConsumerKey,
      privateKeyJwt: provider.privateKeyPemSealed ? { keyId: provider.privateKeyId ?? '', algorithm: provider.privateKeyAlgorithm ?? '' } : null,
      allowedFlows: provider.privateKeyPemSealed ? [OAuthFlow.CLIENT_CREDENTIALS] : Object.values(OAuthFlow),
      createdAt: provider.createdAt,
      updatedAt: provider.updatedAt,
    });
  }
}

export const OAuthProviderConnection = ConnectionType(OAuthProviderType, 'OAuthProvider', 'OAuth provider');

@ObjectType('OAuthAdditionalValue', { description: 'An extra parameter sent with every token request.' })
export class AdditionalValueType {
  @Field(() => String, { description: 'Parameter name.' })
  name!: string;

  @Field(() => String, { description: 'Parameter value.' })
  value!: string;
}

/** A token record with its OAuth details, as the service hands it out. */
export interface OAuthTokenView {
  record: TokenRecord;
  oauth: OAuthToken;
}

/** The request status as of `now`: an ACTIVE token past its expiry reads EXPIRED. */
export function requestStatusOf(view: OAuthTokenView, now: Date): OAuthTokenStatus {
  if (view.record.revokedAt) return OAuthTokenStatus.REVOKED;
  if (view.oauth.status === OAuthTokenStatus.ACTIVE && view.record.expiresAt && view.record.expiresAt <= now) return OAuthTokenStatus.EXPIRED;
  return view.oauth.status;
}

@ObjectType('OAuthToken', {
  implements: Node,
  description: 'An outbound OAuth token Tessera holds for a third-party provider. Its value leaves Tessera only through oauthAccessToken.',
})
export class OAuthTokenType extends TokenFields {
  @Field(() => ID, { description: 'The provider it comes from.' })
  providerId!: string;

  @Field(() => OAuthFlow, { description: 'How it is obtained.' })
  flow!: OAuthFlow;

  @Field(() => OAuthTokenStatus, { description: 'REQUESTED, ACTIVE, FAILED, EXPIRED or REVOKED, as of this request.' })
  requestStatus!: OAuthTokenStatus;

  @Field(() => String, { nullable: true, description: "The provider's last error (`invalid_client: …`)." })
  providerError!: string | null;

  @Field(() => Boolean, { description: "Whether it uses the provider's default keys." })
  useDefaultKeys!: boolean;

  @Field(() => String, { nullable: true, description: 'Its own client id, when not using the default keys.' })
  consumerKey!: string | null;

  @Field(() => String, { nullable: true, description: 'The requested scope.' })
  scope!: string | null;

  @Field(() => String, { nullable: true, description: 'The scope the provider granted.' })
  grantedScope!: string | null;

  @Field(() => String, { nullable: true, description: 'The requested resource indicator.' })
  resource!: string | null;

  @Field(() => [AdditionalValueType], { description: 'Extra parameters sent with every request.' })
  additionalValues!: AdditionalValueType[];

  @Field(() => Boolean, { description: 'Whether the provider gave a refresh token.' })
  hasRefreshToken!: boolean;

  @Field(() => Date, { nullable: true, description: 'When the access token was last obtained or refreshed.' })
  lastRefreshedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When Tessera will next refresh it on its own.' })
  nextRefreshAt!: Date | null;

  @Field(() => Int, { description: 'Proactive refreshes that failed in a row (0 when healthy).' })
  refreshFailures!: number;

  static fromView(view: OAuthTokenView, now: Date, windows: WarningWindows): OAuthTokenType {
    const { record, oauth } = view;
    return Object.assign(new OAuthTokenType(), tokenFields(record, now, windows), {
      providerId: oauth.providerId,
      flow: oauth.flow,
      requestStatus: requestStatusOf(view, now),
      providerError: oauth.providerError ?? null,
      useDefaultKeys: oauth.useDefaultKeys,
      consumerKey: oauth.consumerKey ?? null,
      scope: oauth.scope ?? null,
      grantedScope: oauth.grantedScope ?? null,
      resource: oauth.resource ?? null,
      additionalValues: oauth.additionalValues ?? [],
      hasRefreshToken: !!oauth.refreshTokenSealed,
      lastRefreshedAt: oauth.lastRefreshedAt ?? null,
      nextRefreshAt: oauth.nextRefreshAt ?? null,
      refreshFailures: oauth.refreshFailures,
    });
  }
}

export const OAuthTokenConnection = ConnectionType(OAuthTokenType, 'OAuthToken', 'outbound OAuth token');

@ObjectType('CreateOAuthTokenPayload', { description: 'The new token, and the link to open for browser flows.' })
export class CreateOAuthTokenPayload {
  @Field(() => OAuthTokenType, { description: 'The new token: ACTIVE, FAILED (see providerError) or REQUESTED (browser flows).' })
  token!: OAuthTokenType;

  @Field(() => String, {
    nullable: true,
    description: 'For AUTHORIZATION_CODE and OIDC_HYBRID: open this link to approve; the provider returns to /oauth/callback.',
  })
  authorizationUrl!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Something to know: PUBLIC_URL is not HTTPS (callbacks may not work), or the provider is reached over plain HTTP.',
  })
  warning!: string | null;
}

@ObjectType('OAuthTokenRequestPayload', { description: 'A fresh authorization link for a browser-flow token.' })
export class OAuthTokenRequestPayload {
  @Field(() => OAuthTokenType, { description: 'The token, waiting for its callback.' })
  token!: OAuthTokenType;

  @Field(() => String, { description: 'Open this link to approve; the provider returns to /oauth/callback.' })
  authorizationUrl!: string;

  @Field(() => String, {
    nullable: true,
    description: 'Something to know: PUBLIC_URL is not HTTPS (callbacks may not work), or the provider is reached over plain HTTP.',
  })
  warning!: string | null;
}

@ObjectType('OAuthAccessToken', {
  description: 'The current access token of an outbound OAuth token, for a flow to call the provider with. Each read is audited.',
})
export class OAuthAccessTokenType {
  @Field(() => ID, { description: 'The token id.' })
  tokenId!: string;

  @Field(() => String, { description: 'The access token value.' })
  accessToken!: string;

  @Field(() => String, { nullable: true, description: 'The token type the provider gave (usually Bearer).' })
  tokenType!: string | null;

  @Field(() => Date, { nullable: true, description: 'When it expires.' })
  expiresAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'The granted scope.' })
  scope!: string | null;
}

@ObjectType('ExportOAuthBundlePayload', { description: 'Providers and tokens, encrypted with a key derived from the passphrase.' })
export class ExportOAuthBundlePayload {
  @Field(() => String, { description: 'The bundle: one string, scrypt + AES-256-GCM. Useless without the passphrase.' })
  bundle!: string;

  @Field(() => Int, { description: 'How many providers it holds.' })
  providerCount!: number;

  @Field(() => Int, { description: 'How many tokens it holds.' })
  tokenCount!: number;
}

/** What import did with one item. */
export enum ImportOutcome {
  CREATED = 'CREATED',
  SKIPPED = 'SKIPPED',
  REPLACED = 'REPLACED',
  RENAMED = 'RENAMED',
  INVALID = 'INVALID',
}

registerEnumType(ImportOutcome, {
  name: 'ImportOutcome',
  description: 'What import did with one item.',
  valuesConfig: {
    CREATED: { description: 'Imported under its own name.' },
    SKIPPED: { description: 'Its name was taken; the existing item was kept.' },
    REPLACED: { description: 'Its name was taken; the existing item was overwritten.' },
    RENAMED: { description: 'Its name was taken; imported under a new name.' },
    INVALID: {
      description: 'Not imported: it fails a check its create mutation applies (or its provider was not imported); see problem. Nothing of it was written.',
    },
  },
});

@ObjectType('OAuthImportProblem', { description: 'Why an item was not imported: the error its create mutation would answer.' })
export class OAuthImportProblemType {
  @Field(() => String, { description: 'The error code (BAD_USER_INPUT, NOT_FOUND, CONFLICT).' })
  code!: string;

  @Field(() => String, { nullable: true, description: 'The input field at fault, as the create mutation names it (`input.tokenUrl`).' })
  field!: string | null;

  @Field(() => String, { description: 'What is wrong, never the offending value.' })
  message!: string;
}

@ObjectType('OAuthImportItem', { description: 'What import did with one provider or token of the bundle.' })
export class OAuthImportItemType {
  @Field(() => String, { description: '`provider` or `token`.' })
  type!: string;

  @Field(() => String, { description: 'Its name in the bundle.' })
  name!: string;

  @Field(() => String, { description: 'Its name here (differs when RENAMED; its name in the bundle when SKIPPED or INVALID).' })
  importedName!: string;

  @Field(() => ImportOutcome, { description: 'What was done.' })
  outcome!: ImportOutcome;

  @Field(() => ID, { nullable: true, description: 'Its id here (null when SKIPPED or INVALID).' })
  id!: string | null;

  @Field(() => OAuthImportProblemType, { nullable: true, description: 'Why it was not imported (INVALID only).' })
  problem?: OAuthImportProblemType | null;
}

@ObjectType('ImportOAuthBundlePayload', { description: 'What import did, per item.' })
export class ImportOAuthBundlePayload {
  @Field(() => [OAuthImportItemType], { description: 'One entry per provider and token of the bundle.' })
  items!: OAuthImportItemType[];
}
