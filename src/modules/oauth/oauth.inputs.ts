import { IsBoolean, IsIn, IsOptional, IsUrl, Length, Matches, MaxLength, ValidateIf, ValidateNested } from 'class-validator';
import { ArgsType, Field, ID, InputType, registerEnumType } from 'type-graphql';
import { PageArgs } from '../../core/graphql/connection';
import { IsDisplayName } from '../../core/graphql/validation';
import { KEY_ALGORITHMS } from './oauth.client';
import { OAuthFlow, OAuthTokenStatus } from './oauth.entity';

registerEnumType(OAuthFlow, {
  name: 'OAuthFlow',
  description: 'How Tessera obtains a token from a provider.',
  valuesConfig: {
    AUTHORIZATION_CODE: { description: 'A person approves in the browser; the provider redirects to /oauth/callback (state + PKCE).' },
    CLIENT_CREDENTIALS: { description: 'The client authenticates as itself (secret or private_key_jwt); no person involved.' },
    PASSWORD: { description: 'Resource-owner password grant with a stored username and password.' },
    OIDC_HYBRID: {
      description:
        "OpenID Connect over the authorization-code response type (response_type `code`, not `code id_token`): the browser flow with the openid scope added and a nonce checked in the ID token, whose issuer must be the token URL's origin. Other flows ignore any ID token the provider sends.",
    },
  },
});

registerEnumType(OAuthTokenStatus, {
  name: 'OAuthTokenStatus',
  description: 'Where an outbound token stands with its provider.',
  valuesConfig: {
    REQUESTED: { description: 'Waiting for the browser flow to come back to /oauth/callback.' },
    ACTIVE: { description: 'Holds an access token that has not expired.' },
    FAILED: { description: 'The provider refused or could not be reached; see providerError. Retry with retryOAuthTokenRequest.' },
    EXPIRED: { description: 'The access token has expired and was not refreshed.' },
    REVOKED: { description: 'Revoked: no access token is handed out.' },
  },
});

/** What to do with an imported item whose name is already taken. */
export enum ImportConflict {
  SKIP = 'SKIP',
  REPLACE = 'REPLACE',
  RENAME = 'RENAME',
}

registerEnumType(ImportConflict, {
  name: 'ImportConflict',
  description: 'What to do with an imported item whose name is already taken.',
  valuesConfig: {
    SKIP: { description: 'Keep the existing item; import nothing for it.' },
    REPLACE: { description: 'Overwrite the existing item with the imported one.' },
    RENAME: { description: 'Import it under a new name ("name (2)").' },
  },
});

const URL_OPTIONS = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };

/** Said of every provider URL: the rule `core/outbound` applies. */
const PUBLIC_RULE = 'http(s), without user info, on a public address (a host whose every address is public), unless TESSERA_OUTBOUND_ALLOWED_HOSTS allows it.';

@InputType({ description: 'A private key for private_key_jwt client authentication (RFC 7523).' })
export class PrivateKeyJwtInput {
  @Field(() => String, { description: 'The private key, PEM (PKCS#8 or PKCS#1). Stored encrypted, never returned.' })
  @Length(1, 20000)
  privateKeyPem!: string;

  @Field(() => String, { description: 'The key id (`kid`) the provider knows the public key by.' })
  @Length(1, 200)
  keyId!: string;

  @Field(() => String, { description: `The signing algorithm: ${Object.keys(KEY_ALGORITHMS).join(', ')}.` })
  @IsIn(Object.keys(KEY_ALGORITHMS))
  algorithm!: string;
}

@InputType({ description: 'A new OAuth provider.' })
export class CreateOAuthProviderInput {
  @Field(() => String, { description: 'Display name, unique in the tenant.' })
  @IsDisplayName()
  name!: string;

  @Field(() => String, { description: `The authorization endpoint (browser flows); ${PUBLIC_RULE}` })
  @IsUrl(URL_OPTIONS)
  @MaxLength(2000)
  authorizeUrl!: string;

  @Field(() => String, { description: `The token endpoint; ${PUBLIC_RULE}` })
  @IsUrl(URL_OPTIONS)
  @MaxLength(2000)
  tokenUrl!: string;

  @Field(() => String, { nullable: true, description: `The RFC 7009 revocation endpoint, if the provider has one; ${PUBLIC_RULE}` })
  @IsOptional()
  @IsUrl(URL_OPTIONS)
  @MaxLength(2000)
  revocationUrl?: string | null;

  @Field(() => String, { description: 'The client id used when a token takes the default keys.' })
  @Length(1, 500)
  defaultConsumerKey!: string;

  @Field(() => String, { description: 'The client secret used with the default keys. Stored encrypted, never returned.' })
  @Length(1, 2000)
  defaultConsumerSecret!: string;

  @Field(() => PrivateKeyJwtInput, {
    nullable: true,
    description: 'Authenticate with a signed client assertion instead of the secret; allows only CLIENT_CREDENTIALS.',
  })
  @IsOptional()
  @ValidateNested()
  privateKeyJwt?: PrivateKeyJwtInput | null;
}

@InputType({ description: 'Changes to an OAuth provider; absent fields stay as they are.' })
export class UpdateOAuthProviderInput {
  @Field(() => String, { nullable: true, description: 'New display name.' })
  @IsOptional()
  @IsDisplayName()
  name?: string | null;

  @Field(() => String, { nullable: true, description: 'New authorization endpoint.' })
  @IsOptional()
  @IsUrl(URL_OPTIONS)
  @MaxLength(2000)
  authorizeUrl?: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      'New token endpoint. A different one needs the credentials again in the same update (defaultConsumerSecret, or privateKeyJwt for a provider with a private key): stored secrets never follow a URL change.',
  })
  @IsOptional()
  @IsUrl(URL_OPTIONS)
  @MaxLength(2000)
  tokenUrl?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'New revocation endpoint; an empty string removes it. A different one needs the credentials again, as tokenUrl does.',
  })
  @IsOptional()
  @ValidateIf((input: UpdateOAuthProviderInput) => input.revocationUrl !== '')
  @IsUrl(URL_OPTIONS)
  @MaxLength(2000)
  revocationUrl?: string | null;

  @Field(() => String, { nullable: true, description: 'New default client id.' })
  @IsOptional()
  @Length(1, 500)
  defaultConsumerKey?: string | null;

  @Field(() => String, { nullable: true, description: 'New default client secret.' })
  @IsOptional()
  @Length(1, 2000)
  defaultConsumerSecret?: string | null;

  @Field(() => PrivateKeyJwtInput, { nullable: true, description: 'A new private key for private_key_jwt.' })
  @IsOptional()
  @ValidateNested()
  privateKeyJwt?: PrivateKeyJwtInput | null;

  @Field(() => Boolean, { nullable: true, description: 'True: drop the private key and go back to the client secret.' })
  @IsOptional()
  @IsBoolean()
  removePrivateKey?: boolean | null;
}

@InputType({ description: 'An extra parameter sent with every token request.' })
export class AdditionalValueInput {
  @Field(() => String, { description: 'Parameter name.' })
  @Length(1, 100)
  @Matches(/^[\w.-]+$/, { message: 'must be letters, digits, _, . or -' })
  name!: string;

  @Field(() => String, { description: 'Parameter value.' })
  @MaxLength(2000)
  value!: string;
}

@InputType({ description: 'A new outbound OAuth token: Tessera requests it from the provider at once.' })
export class CreateOAuthTokenInput {
  @Field(() => String, { description: 'Display name.' })
  @IsDisplayName()
  name!: string;

  @Field(() => ID, { description: 'The provider to request it from.' })
  providerId!: string;

  @Field(() => OAuthFlow, { description: 'How to obtain it.' })
  flow!: OAuthFlow;

  @Field(() => Boolean, { defaultValue: true, description: "Use the provider's default client id and secret (or private key)." })
  @IsBoolean()
  useDefaultKeys: boolean = true;

  @Field(() => String, { nullable: true, description: 'Own client id, when useDefaultKeys is false.' })
  @IsOptional()
  @Length(1, 500)
  consumerKey?: string | null;

  @Field(() => String, { nullable: true, description: 'Own client secret, when useDefaultKeys is false. Stored encrypted.' })
  @IsOptional()
  @Length(1, 2000)
  secretKey?: string | null;

  @Field(() => String, { nullable: true, description: 'Username for the PASSWORD flow. Stored encrypted.' })
  @IsOptional()
  @Length(1, 500)
  username?: string | null;

  @Field(() => String, { nullable: true, description: 'Password for the PASSWORD flow. Stored encrypted.' })
  @IsOptional()
  @Length(1, 2000)
  password?: string | null;

  @Field(() => String, { nullable: true, description: 'Resource indicator (RFC 8707).' })
  @IsOptional()
  @MaxLength(2000)
  resource?: string | null;

  @Field(() => String, { nullable: true, description: 'Space-separated scopes.' })
  @IsOptional()
  @MaxLength(2000)
  scope?: string | null;

  @Field(() => [AdditionalValueInput], { nullable: true, description: 'Extra parameters sent with every request.' })
  @IsOptional()
  @ValidateNested({ each: true })
  additionalValues?: AdditionalValueInput[] | null;
}

@InputType({ description: 'Which outbound OAuth tokens to list.' })
export class OAuthTokenFilter {
  @Field(() => ID, { nullable: true, description: 'Only tokens of this provider.' })
  @IsOptional()
  providerId?: string | null;
}

@ArgsType()
export class OAuthTokensArgs extends PageArgs {
  @Field(() => OAuthTokenFilter, { nullable: true, description: 'Narrows the list.' })
  @IsOptional()
  @ValidateNested()
  filter?: OAuthTokenFilter | null;
}
