import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { toConnection, type ConnectionShape } from '../../core/graphql/connection';
import { mapLoader, perRequest } from '../../core/graphql/loaders';
import type { RequestContext } from '../../core/graphql/request-context';
import { Role } from '../../core/tokens/token-kind';
import type { PeopleService, PersonTokenStats } from './people.service';
import { UpdateUserInput, UsersArgs } from './user.inputs';
import { UserConnection, UserType } from './user.type';

/** What this file's resolvers use of the request (see RequestContext). */
type Context = RequestContext<{ people: PeopleService }>;

/** One statement per request for the token figures of every person a response shows. */
const statsLoader = perRequest((ctx: Context) => mapLoader<PersonTokenStats>((ids) => ctx.services.people.tokenStats(ids), null));

const USER_ID = { description: "The user's id (`usr_…`)." };

/** People, as administrators manage them (see PeopleService). */
@Resolver(() => UserType)
export class PeopleResolver {
  @Authorized([Role.ADMIN])
  @Query(() => UserConnection, { description: 'The people of your tenant, oldest first (administrators).' })
  async users(@Args(() => UsersArgs) args: UsersArgs, @Ctx() ctx: Context): Promise<ConnectionShape<UserType>> {
    const page = await ctx.services.people.list(ctx.actor(), { first: args.first, after: args.after, filter: args.filter });
    return toConnection(page, (user) => UserType.from(user));
  }

  @FieldResolver(() => Int, { description: 'How many of their personal access tokens work now (not revoked, not expired).' })
  async activeTokenCount(@Root() user: UserType, @Ctx() ctx: Context): Promise<number> {
    return (await statsLoader(ctx).load(user.id))?.activeTokens ?? 0;
  }

  @FieldResolver(() => Date, { nullable: true, description: 'When one of their personal access tokens was last used; null if never.' })
  async lastSeenAt(@Root() user: UserType, @Ctx() ctx: Context): Promise<Date | null> {
    return (await statsLoader(ctx).load(user.id))?.lastSeenAt ?? null;
  }

  @Authorized([Role.ADMIN])
  @Mutation(() => UserType, { description: 'Renames a person or changes their role (administrators). A role change takes effect at once, everywhere.' })
  async updateUser(
    @Arg('id', () => ID, USER_ID) id: string,
    @Arg('input', () => UpdateUserInput, { description: 'The changes.' }) input: UpdateUserInput,
    @Ctx() ctx: Context,
  ): Promise<UserType> {
    return UserType.from(await ctx.services.people.update(ctx.actor(), id, input));
  }

  @Authorized([Role.ADMIN])
  @Mutation(() => UserType, {
    description:
      'Deactivates a person (administrators): every token that acts as them (their personal access tokens, the apps they made) is refused on every instance before this returns, their connections close (4401), and each token gets a DISABLED event. The last active administrator cannot be deactivated (CONFLICT).',
  })
  async deactivateUser(@Arg('id', () => ID, USER_ID) id: string, @Ctx() ctx: Context): Promise<UserType> {
    return UserType.from(await ctx.services.people.deactivate(ctx.actor(), id));
  }

  @Authorized([Role.ADMIN])
  @Mutation(() => UserType, { description: 'Reactivates a person (administrators): their tokens work again, each by its own state (ENABLED events).' })
  async reactivateUser(@Arg('id', () => ID, USER_ID) id: string, @Ctx() ctx: Context): Promise<UserType> {
    return UserType.from(await ctx.services.people.reactivate(ctx.actor(), id));
  }

  @Authorized([Role.ADMIN])
  @Mutation(() => UserType, {
    description:
      'Deletes a person (administrators): their personal access tokens are revoked (REVOKED events; kept for the record until deleted), the apps they made stop authenticating, their connections close. The last active administrator cannot be deleted (CONFLICT). Returns the person as they were.',
  })
  async deleteUser(@Arg('id', () => ID, USER_ID) id: string, @Ctx() ctx: Context): Promise<UserType> {
    return UserType.from(await ctx.services.people.delete(ctx.actor(), id));
  }
}
