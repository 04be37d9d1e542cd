import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type DataLoader from 'dataloader';
import { toConnection, type ConnectionShape } from '../../core/graphql/connection';
import { mapLoader, perRequest } from '../../core/graphql/loaders';
import type { RequestContext } from '../../core/graphql/request-context';
import { TokenScope } from '../../core/graphql/enums';
import { Role } from '../../core/tokens/token-kind';
import { personOf, UserType, type User } from '../users';
import type { PatSettingsView, PersonalAccessTokenService } from './personal-access-token.service';
import {
  CreatePersonalAccessTokenInput,
  PersonalAccessTokensArgs,
  RotatePersonalAccessTokenArgs,
  TokenDuration,
  UpdateTokenPolicyInput,
} from './personal-access-token.inputs';
import {
  CreatePersonalAccessTokenPayload,
  PersonalAccessTokenConnection,
  PersonalAccessTokenType,
  RotatePersonalAccessTokenPayload,
  TokenPolicyType,
} from './personal-access-token.type';

/** What this file's resolvers use of the request (see RequestContext). */
type Context = RequestContext<{ personalAccessTokens: PersonalAccessTokenService }> & {
  loaders: { userById: DataLoader<string, User | null> };
};

/** One statement per request for the settings of every token a response shows. */
const settingsLoader = perRequest((ctx: Context) => {
  const tokens = new Map<string, PersonalAccessTokenType>();
  const loader = mapLoader<PatSettingsView>((ids) => ctx.services.personalAccessTokens.settingsOf(ids.map((id) => tokens.get(id)!)), null);
  return (token: PersonalAccessTokenType) => {
    tokens.set(token.id, token);
    return loader.load(token.id);
  };
});

@Resolver(() => PersonalAccessTokenType)
export class PersonalAccessTokenResolver {
  @Authorized()
  @Query(() => PersonalAccessTokenConnection, {
    description: 'Your personal access tokens, newest first (administrators: those of the person named in `filter.owner`). Values are never listed.',
  })
  async personalAccessTokens(
    @Args(() => PersonalAccessTokensArgs) args: PersonalAccessTokensArgs,
    @Ctx() ctx: Context,
  ): Promise<ConnectionShape<PersonalAccessTokenType>> {
    const page = await ctx.services.personalAccessTokens.list(ctx.actor(), { first: args.first, after: args.after, filter: args.filter });
    return toConnection(page, (record) => ctx.present(PersonalAccessTokenType, record));
  }

  @Authorized([Role.ADMIN])
  @Query(() => PersonalAccessTokenConnection, {
    description:
      "Every person's personal access tokens in your tenant, newest first (administrators; seed 001's oversight), narrowed by owner, status or end. Values are never listed.",
  })
  async tenantPersonalAccessTokens(
    @Args(() => PersonalAccessTokensArgs) args: PersonalAccessTokensArgs,
    @Ctx() ctx: Context,
  ): Promise<ConnectionShape<PersonalAccessTokenType>> {
    const page = await ctx.services.personalAccessTokens.list(ctx.actor(), { first: args.first, after: args.after, filter: args.filter }, true);
    return toConnection(page, (record) => ctx.present(PersonalAccessTokenType, record));
  }

  @FieldResolver(() => TokenDuration, { description: 'The duration it was made with (seed 003 shows it); a rotation starts a term of the same.' })
  async duration(@Root() token: PersonalAccessTokenType, @Ctx() ctx: Context): Promise<TokenDuration> {
    return (await settingsLoader(ctx)(token))?.duration ?? TokenDuration.CUSTOM;
  }

  @FieldResolver(() => [TokenScope], { description: "What it may do below its owner's role; empty: all the role allows." })
  async scopes(@Root() token: PersonalAccessTokenType, @Ctx() ctx: Context): Promise<TokenScope[]> {
    return (await settingsLoader(ctx)(token))?.scopes ?? [];
  }

  @FieldResolver(() => UserType, { nullable: true, description: 'The person it acts as; null once they are deleted.' })
  async owner(@Root() token: PersonalAccessTokenType, @Ctx() ctx: Context): Promise<UserType | null> {
    return personOf(ctx, token.ownerId);
  }

  @FieldResolver(() => UserType, {
    nullable: true,
    description: 'The person who made it (the owner, or the administrator who created the owner); null once deleted.',
  })
  async createdBy(@Root() token: PersonalAccessTokenType, @Ctx() ctx: Context): Promise<UserType | null> {
    return personOf(ctx, token.createdById);
  }

  @Authorized()
  @Mutation(() => CreatePersonalAccessTokenPayload, {
    description: "Creates a personal access token for yourself, under your tenant's policy (`tokenPolicy`). The value is in `secret`, shown once.",
  })
  async createPersonalAccessToken(
    @Arg('input', () => CreatePersonalAccessTokenInput, { description: 'The new token.' }) input: CreatePersonalAccessTokenInput,
    @Ctx() ctx: Context,
  ): Promise<CreatePersonalAccessTokenPayload> {
    const { token, secret } = await ctx.services.personalAccessTokens.create(ctx.actor(), input);
    return Object.assign(new CreatePersonalAccessTokenPayload(), {
      token: ctx.present(PersonalAccessTokenType, token),
      secret,
      curlExample: ctx.services.personalAccessTokens.curlExample(secret),
    });
  }

  @Authorized()
  @Mutation(() => RotatePersonalAccessTokenPayload, {
    description:
      "Gives your token a new value with the same name, scopes and duration (a new term from now, within today's policy). The previous value stops at once, on every instance, or after `graceSeconds`. A token may rotate itself, whatever its scopes — an automation that hears EXPIRING_SOON swaps its own token; a token with scopes may rotate only itself.",
  })
  async rotatePersonalAccessToken(
    @Args(() => RotatePersonalAccessTokenArgs) args: RotatePersonalAccessTokenArgs,
    @Ctx() ctx: Context,
  ): Promise<RotatePersonalAccessTokenPayload> {
    const caller = { tokenId: ctx.tokenId, scoped: Boolean(ctx.requireViewer().scopes) };
    const { token, secret, graceEndsAt } = await ctx.services.personalAccessTokens.rotate(ctx.actor(), caller, args.id, args.graceSeconds ?? 0);
    return Object.assign(new RotatePersonalAccessTokenPayload(), { token: ctx.present(PersonalAccessTokenType, token), secret, graceEndsAt });
  }

  @Authorized()
  @Mutation(() => PersonalAccessTokenType, {
    description: 'Revokes a personal access token (yours; administrators: any of the tenant): it stops working at once, on every instance.',
  })
  async revokePersonalAccessToken(@Arg('id', () => ID, { description: "The token's id." }) id: string, @Ctx() ctx: Context): Promise<PersonalAccessTokenType> {
    return ctx.present(PersonalAccessTokenType, await ctx.services.personalAccessTokens.revoke(ctx.actor(), id));
  }

  @Authorized()
  @Mutation(() => PersonalAccessTokenType, {
    description:
      'Deletes a revoked or expired personal access token (CONFLICT while it still works, unless `revokeFirst`, which revokes it at once and deletes it in one step). Returns it as it was.',
  })
  async deletePersonalAccessToken(
    @Arg('id', () => ID, { description: "The token's id." }) id: string,
    @Arg('revokeFirst', () => Boolean, {
      nullable: true,
      defaultValue: false,
      description:
        'Revoke a working token first (it stops now, on every instance), then delete it. False by default (seed 001: only revoked or expired tokens are deleted).',
    })
    revokeFirst: boolean,
    @Ctx() ctx: Context,
  ): Promise<PersonalAccessTokenType> {
    return ctx.present(PersonalAccessTokenType, await ctx.services.personalAccessTokens.delete(ctx.actor(), id, revokeFirst ?? false));
  }

  @Authorized()
  @Query(() => TokenPolicyType, {
    description: "Your tenant's policy for personal access tokens: what a new token may be (everyone reads it; administrators change it).",
  })
  async tokenPolicy(@Ctx() ctx: Context): Promise<TokenPolicyType> {
    return TokenPolicyType.from(await ctx.services.personalAccessTokens.policy(ctx.actor()));
  }

  @Authorized([Role.ADMIN])
  @Mutation(() => TokenPolicyType, {
    description:
      "Changes your tenant's policy for personal access tokens (administrators). Tokens already made keep their terms; a policy that does not hold together is BAD_USER_INPUT.",
  })
  async updateTokenPolicy(
    @Arg('input', () => UpdateTokenPolicyInput, { description: 'The changes.' }) input: UpdateTokenPolicyInput,
    @Ctx() ctx: Context,
  ): Promise<TokenPolicyType> {
    return TokenPolicyType.from(await ctx.services.personalAccessTokens.policies.update(ctx.actor(), input));
  }
}
