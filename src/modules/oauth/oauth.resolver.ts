import { Arg, Args, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { PeopleOnly } from '../../core/auth/auth-checker';
import { PageArgs, toConnection, type ConnectionShape } from '../../core/graphql/connection';
import { Role } from '../../core/tokens/token-kind';
import type { RequestContext } from '../../core/graphql/request-context';
import type { KindRegistry } from '../../core/tokens/kind-registry';
import type { OAuthService } from './oauth.service';
import {
  AdditionalValueInput,
  CreateOAuthProviderInput,
  CreateOAuthTokenInput,
  ImportConflict,
  OAuthTokensArgs,
  UpdateOAuthProviderInput,
} from './oauth.inputs';
import {
  CreateOAuthTokenPayload,
  ExportOAuthBundlePayload,
  ImportOAuthBundlePayload,
  OAuthAccessTokenType,
  OAuthProviderConnection,
  OAuthProviderType,
  OAuthTokenConnection,
  OAuthTokenRequestPayload,
  OAuthTokenType,
  type OAuthTokenView,
} from './oauth.type';

/** What this file's resolvers use of the request (see RequestContext). */
type Context = RequestContext<{ kinds: KindRegistry; oauth: OAuthService }>;

const MANAGERS = [Role.ADMIN, Role.AUTOMATION_ADMIN];

function present(ctx: Context, view: OAuthTokenView): OAuthTokenType {
  return OAuthTokenType.fromView(view, ctx.now, ctx.services.kinds);
}

@Resolver(() => OAuthTokenType)
export class OAuthResolver {
  @Authorized(MANAGERS)
  @Query(() => OAuthProviderConnection, { description: 'OAuth providers of your tenant, newest first. Secrets are never listed.' })
  async oauthProviders(@Args(() => PageArgs) args: PageArgs, @Ctx() ctx: Context): Promise<ConnectionShape<OAuthProviderType>> {
    const page = await ctx.services.oauth.providers.list(ctx.actor(), { first: args.first, after: args.after });
    return toConnection(page, (provider) => OAuthProviderType.from(provider));
  }

  @Authorized(MANAGERS)
  @Mutation(() => OAuthProviderType, { description: 'Adds an OAuth provider. Its secret and private key are stored encrypted and never returned.' })
  async createOAuthProvider(
    @Arg('input', () => CreateOAuthProviderInput, { description: 'The new provider.' }) input: CreateOAuthProviderInput,
    @Ctx() ctx: Context,
  ): Promise<OAuthProviderType> {
    return OAuthProviderType.from(await ctx.services.oauth.providers.create(ctx.actor(), input));
  }

  @Authorized(MANAGERS)
  @Mutation(() => OAuthProviderType, { description: 'Changes an OAuth provider; absent fields stay as they are.' })
  async updateOAuthProvider(
    @Arg('id', () => ID, { description: "The provider's id." }) id: string,
    @Arg('input', () => UpdateOAuthProviderInput, { description: 'What changes; absent fields stay as they are.' }) input: UpdateOAuthProviderInput,
    @Ctx() ctx: Context,
  ): Promise<OAuthProviderType> {
    return OAuthProviderType.from(await ctx.services.oauth.providers.update(ctx.actor(), id, input));
  }

  @Authorized(MANAGERS)
  @Mutation(() => OAuthProviderType, { description: 'Deletes an OAuth provider (CONFLICT while tokens use it). Returns it as it was.' })
  async deleteOAuthProvider(@Arg('id', () => ID, { description: "The provider's id." }) id: string, @Ctx() ctx: Context): Promise<OAuthProviderType> {
    return OAuthProviderType.from(await ctx.services.oauth.providers.delete(ctx.actor(), id));
  }

  @Authorized(MANAGERS)
  @Query(() => OAuthTokenConnection, { description: 'Outbound OAuth tokens of your tenant, newest first. Values are never listed.' })
  async oauthTokens(@Args(() => OAuthTokensArgs) args: OAuthTokensArgs, @Ctx() ctx: Context): Promise<ConnectionShape<OAuthTokenType>> {
    const page = await ctx.services.oauth.listTokens(ctx.actor(), { first: args.first, after: args.after, providerId: args.filter?.providerId });
    return toConnection(page, (view) => present(ctx, view));
  }

  @Authorized(MANAGERS)
  @Mutation(() => CreateOAuthTokenPayload, {
    description:
      'Creates an outbound token and requests it from the provider at once: ACTIVE, FAILED with the provider error, or REQUESTED with an authorization link (browser flows).',
  })
  async createOAuthToken(
    @Arg('input', () => CreateOAuthTokenInput, { description: 'The new token and how to obtain it.' }) input: CreateOAuthTokenInput,
    @Ctx() ctx: Context,
  ): Promise<CreateOAuthTokenPayload> {
    const result = await ctx.services.oauth.createToken(ctx.actor(), input);
    return Object.assign(new CreateOAuthTokenPayload(), {
      token: present(ctx, result.view),
      authorizationUrl: result.authorizationUrl,
      warning: result.warning,
    });
  }

  @Authorized(MANAGERS)
  @Mutation(() => OAuthTokenType, { description: 'Requests a FAILED (or expired) direct-flow token from the provider again.' })
  async retryOAuthTokenRequest(@Arg('id', () => ID, { description: "The OAuth token's id." }) id: string, @Ctx() ctx: Context): Promise<OAuthTokenType> {
    return present(ctx, await ctx.services.oauth.retry(ctx.actor(), id));
  }

  @Authorized(MANAGERS)
  @Mutation(() => OAuthTokenRequestPayload, { description: 'A fresh authorization link (new state and PKCE) for an AUTHORIZATION_CODE or OIDC_HYBRID token.' })
  async startTokenRequest(@Arg('id', () => ID, { description: "The OAuth token's id." }) id: string, @Ctx() ctx: Context): Promise<OAuthTokenRequestPayload> {
    const result = await ctx.services.oauth.startTokenRequest(ctx.actor(), id);
    return Object.assign(new OAuthTokenRequestPayload(), {
      token: present(ctx, result.view),
      authorizationUrl: result.authorizationUrl,
      warning: result.warning,
    });
  }

  @Authorized(MANAGERS)
  @Mutation(() => OAuthTokenType, {
    description: 'Gets a new access token now (refresh grant, or the direct flow again). A provider failure is recorded in providerError.',
  })
  async refreshOAuthToken(@Arg('id', () => ID, { description: "The OAuth token's id." }) id: string, @Ctx() ctx: Context): Promise<OAuthTokenType> {
    return present(ctx, await ctx.services.oauth.refresh(ctx.actor(), id));
  }

  @Authorized(MANAGERS)
  @Mutation(() => OAuthTokenType, { description: 'Renames an outbound token.' })
  async renameOAuthToken(
    @Arg('id', () => ID, { description: "The OAuth token's id." }) id: string,
    @Arg('name', () => String, { description: 'The new name.' }) name: string,
    @Ctx() ctx: Context,
  ): Promise<OAuthTokenType> {
    return present(ctx, await ctx.services.oauth.rename(ctx.actor(), id, name));
  }

  @Authorized(MANAGERS)
  @Mutation(() => OAuthTokenType, {
    description:
      'Deletes an outbound token and everything Tessera holds for it, first revoking its refresh and access tokens at the provider (RFC 7009, when it has a revocation URL). If the provider refuses or cannot be reached, nothing is deleted (CONFLICT, reason REVOCATION_REFUSED); nor if the token is refreshed meanwhile (CONFLICT, reason CHANGED_WHILE_DELETING: delete it again). Returns the token as it was; its DELETED event says what became of the grant.',
  })
  async deleteOAuthToken(
    @Arg('id', () => ID, { description: "The OAuth token's id." }) id: string,
    @Arg('revokeAtProvider', () => Boolean, {
      defaultValue: true,
      description:
        'Whether to revoke the grant at the provider first. false deletes without asking it (a provider gone for good); the grant may then live on there.',
    })
    revokeAtProvider: boolean,
    @Ctx() ctx: Context,
  ): Promise<OAuthTokenType> {
    return present(ctx, await ctx.services.oauth.delete(ctx.actor(), id, { revokeAtProvider }));
  }

  @Authorized(MANAGERS)
  @Mutation(() => OAuthTokenType, {
    description: 'Revokes a client-credentials token at the provider (when it has a revocation URL), then requests a new one, optionally with new parameters.',
  })
  async resetClientCredentialsToken(
    @Arg('id', () => ID, { description: "The OAuth token's id." }) id: string,
    @Arg('scope', () => String, { nullable: true, description: 'New scope; absent keeps the current one, an empty string clears it.' }) scope: string | null,
    @Arg('resource', () => String, { nullable: true, description: 'New resource indicator; absent keeps the current one, an empty string clears it.' })
    resource: string | null,
    @Arg('additionalValues', () => [AdditionalValueInput], {
      nullable: true,
      description: 'New extra parameters (they replace the current ones); absent keeps them, an empty list clears them.',
    })
    additionalValues: AdditionalValueInput[] | null,
    @Ctx() ctx: Context,
  ): Promise<OAuthTokenType> {
    return present(ctx, await ctx.services.oauth.resetClientCredentials(ctx.actor(), id, { scope, resource, additionalValues }));
  }

  @Authorized(MANAGERS)
  @Query(() => String, {
    description:
      "The redirect URI to register at a provider for the browser flows (PUBLIC_URL + /oauth/callback). A provider refuses a plain-HTTP one unless it is a loopback address: set PUBLIC_URL to Tessera's https address.",
  })
  oauthCallbackUrl(@Ctx() ctx: Context): string {
    return ctx.services.oauth.grants.redirectUri;
  }

  @Authorized(MANAGERS)
  @Query(() => OAuthAccessTokenType, {
    description: 'The current access token, for a flow to call the provider with: the one way a value leaves Tessera. Each read is audited.',
  })
  async oauthAccessToken(@Arg('id', () => ID, { description: "The OAuth token's id." }) id: string, @Ctx() ctx: Context): Promise<OAuthAccessTokenType> {
    const { view, accessToken } = await ctx.services.oauth.accessToken(ctx.actor(), id);
    return Object.assign(new OAuthAccessTokenType(), {
      tokenId: view.record.id,
      accessToken,
      tokenType: view.oauth.tokenType ?? null,
      expiresAt: view.record.expiresAt ?? null,
      scope: view.oauth.grantedScope ?? view.oauth.scope ?? null,
    });
  }

  /** Every provider secret of the tenant in one string: administrators signed in as people only, never an app token. */
  @Authorized([Role.ADMIN])
  @PeopleOnly()
  @Mutation(() => ExportOAuthBundlePayload, {
    description:
      'Exports every provider and token of your tenant, secrets included, as one string encrypted with a key derived from the passphrase (scrypt, AES-256-GCM). ' +
      'Administrators signed in with a personal access token only: never automation administrators, never an app token.',
  })
  async exportOAuthBundle(
    @Arg('passphrase', () => String, { description: 'What the bundle is encrypted with (at least 12 characters); needed again to import it.' })
    passphrase: string,
    @Ctx() ctx: Context,
  ): Promise<ExportOAuthBundlePayload> {
    return Object.assign(new ExportOAuthBundlePayload(), await ctx.services.oauth.bundles.export(ctx.actor(), passphrase));
  }

  @Authorized(MANAGERS)
  @Mutation(() => ImportOAuthBundlePayload, {
    description:
      'Imports a bundle from exportOAuthBundle. A wrong passphrase, an altered bundle, one over 1,000,000 characters or over 1,000 providers and tokens is refused whole and imports nothing (BAD_USER_INPUT on bundle). Each item is checked as createOAuthProvider or createOAuthToken checks its input: one that fails is reported INVALID with the error (code and field) and nothing of it is written; the others are imported, a few per transaction, so other requests keep being answered.',
  })
  async importOAuthBundle(
    @Arg('bundle', () => String, { description: 'The bundle exportOAuthBundle returned.' }) bundle: string,
    @Arg('passphrase', () => String, { description: 'The passphrase it was exported with.' }) passphrase: string,
    @Arg('onConflict', () => ImportConflict, { defaultValue: ImportConflict.SKIP, description: 'What to do when a name is taken.' }) onConflict: ImportConflict,
    @Ctx() ctx: Context,
  ): Promise<ImportOAuthBundlePayload> {
    return Object.assign(new ImportOAuthBundlePayload(), { items: await ctx.services.oauth.bundles.import(ctx.actor(), bundle, passphrase, onConflict) });
  }
}
