import { Arg, Args, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { toConnection, type ConnectionShape } from '../../core/graphql/connection';
import type { RequestContext } from '../../core/graphql/request-context';
import type { PersonalAccessTokenService } from './personal-access-token.service';
import { CreatePersonalAccessTokenInput, PersonalAccessTokensArgs } from './personal-access-token.inputs';
import { CreatePersonalAccessTokenPayload, PersonalAccessTokenConnection, PersonalAccessTokenType } from './personal-access-token.type';

/** What this file's resolvers use of the request (see RequestContext). */
type Context = RequestContext<{ personalAccessTokens: PersonalAccessTokenService }>;

@Resolver(() => PersonalAccessTokenType)
export class PersonalAccessTokenResolver {
  @Authorized()
  @Query(() => PersonalAccessTokenConnection, { description: 'Your personal access tokens, newest first. Values are never listed.' })
  async personalAccessTokens(
    @Args(() => PersonalAccessTokensArgs) args: PersonalAccessTokensArgs,
    @Ctx() ctx: Context,
  ): Promise<ConnectionShape<PersonalAccessTokenType>> {
    const page = await ctx.services.personalAccessTokens.list(ctx.actor(), { first: args.first, after: args.after, status: args.filter?.status });
    return toConnection(page, (record) => ctx.present(PersonalAccessTokenType, record));
  }

  @Authorized()
  @Mutation(() => CreatePersonalAccessTokenPayload, { description: 'Creates a personal access token for yourself. The value is in `secret`, shown once.' })
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
  @Mutation(() => PersonalAccessTokenType, { description: 'Revokes a personal access token: it stops working at once, on every instance.' })
  async revokePersonalAccessToken(@Arg('id', () => ID, { description: "The token's id." }) id: string, @Ctx() ctx: Context): Promise<PersonalAccessTokenType> {
    return ctx.present(PersonalAccessTokenType, await ctx.services.personalAccessTokens.revoke(ctx.actor(), id));
  }

  @Authorized()
  @Mutation(() => PersonalAccessTokenType, {
    description: 'Deletes a revoked or expired personal access token (CONFLICT while it still works). Returns it as it was.',
  })
  async deletePersonalAccessToken(@Arg('id', () => ID, { description: "The token's id." }) id: string, @Ctx() ctx: Context): Promise<PersonalAccessTokenType> {
    return ctx.present(PersonalAccessTokenType, await ctx.services.personalAccessTokens.delete(ctx.actor(), id));
  }
}
