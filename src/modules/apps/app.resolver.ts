import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { PeopleOnly } from '../../core/auth/auth-checker';
import { toConnection, type ConnectionShape } from '../../core/graphql/connection';
import { Role } from '../../core/tokens/token-kind';
import type { RequestContext } from '../../core/graphql/request-context';
import type DataLoader from 'dataloader';
import type { KindRegistry } from '../../core/tokens/kind-registry';
import type { User } from '../users';
import type { AppService } from './app.service';
import { personOf, UserType } from '../users';
import { AppsArgs, CreateAppInput, RotateAppSecretArgs } from './app.inputs';
import type { AppView } from './app.service';
import { AppConnection, AppType, CreateAppPayload, RotateAppSecretPayload } from './app.type';

/** What this file's resolvers use of the request (see RequestContext). */
type Context = RequestContext<{ apps: AppService; kinds: KindRegistry }> & { loaders: { userById: DataLoader<string, User | null> } };

/**
 * Apps are read and managed by people: administrators and developers, never an app's own token
 * (whatever its role). Managing one app — reveal, rotate, disable, activate, delete — is for
 * administrators and the developer who created it (the service checks; FORBIDDEN otherwise).
 */
const MANAGERS = [Role.ADMIN, Role.DEVELOPER];

function present(ctx: Context, view: AppView): AppType {
  return AppType.from(view, ctx.now, ctx.services.kinds);
}

@Resolver(() => AppType)
export class AppResolver {
  @Authorized(MANAGERS)
  @PeopleOnly()
  @Query(() => AppConnection, { description: "Your tenant's apps, newest first (administrators and developers). Secrets are never listed." })
  async apps(@Args(() => AppsArgs) args: AppsArgs, @Ctx() ctx: Context): Promise<ConnectionShape<AppType>> {
    const page = await ctx.services.apps.list(ctx.actor(), { first: args.first, after: args.after, status: args.filter?.status });
    return toConnection({ ...page, items: page.items.map((view) => ({ id: view.app.id, view })) }, (item) => present(ctx, item.view));
  }

  @Authorized(MANAGERS)
  @PeopleOnly()
  @Query(() => AppType, { description: 'One app of your tenant (administrators and developers).' })
  async app(@Arg('id', () => ID, { description: "The app's id." }) id: string, @Ctx() ctx: Context): Promise<AppType> {
    return present(ctx, await ctx.services.apps.get(ctx.actor(), id));
  }

  @Authorized(MANAGERS)
  @PeopleOnly()
  @Mutation(() => CreateAppPayload, {
    description:
      'Creates an app with a client id and a client secret (administrators and developers, never an app token). The secret is in `secret`. ' +
      "The app's role is at most the creator's (an administrator's app: AUTOMATION_ADMIN at most).",
  })
  async createApp(@Arg('input', () => CreateAppInput, { description: 'The new app.' }) input: CreateAppInput, @Ctx() ctx: Context): Promise<CreateAppPayload> {
    const { view, secret } = await ctx.services.apps.create(ctx.actor(), input);
    return Object.assign(new CreateAppPayload(), { app: present(ctx, view), secret });
  }

  @Authorized(MANAGERS)
  @PeopleOnly()
  @Mutation(() => AppType, {
    description:
      'Disables an app: its access tokens fail at once, on every instance, and it gets no new ones (administrators, and the developer who created it).',
  })
  async disableApp(@Arg('id', () => ID, { description: "The app's id." }) id: string, @Ctx() ctx: Context): Promise<AppType> {
    return present(ctx, await ctx.services.apps.setEnabled(ctx.actor(), id, false));
  }

  @Authorized(MANAGERS)
  @PeopleOnly()
  @Mutation(() => AppType, {
    description:
      'Activates a disabled app: its unexpired access tokens work again and it may obtain new ones (administrators, and the developer who created it).',
  })
  async activateApp(@Arg('id', () => ID, { description: "The app's id." }) id: string, @Ctx() ctx: Context): Promise<AppType> {
    return present(ctx, await ctx.services.apps.setEnabled(ctx.actor(), id, true));
  }

  @Authorized(MANAGERS)
  @PeopleOnly()
  @Mutation(() => AppType, {
    description:
      'Deletes an app with its secret and access tokens (they fail at once). Returns it as it was (administrators, and the developer who created it).',
  })
  async deleteApp(@Arg('id', () => ID, { description: "The app's id." }) id: string, @Ctx() ctx: Context): Promise<AppType> {
    return present(ctx, await ctx.services.apps.delete(ctx.actor(), id));
  }

  @Authorized(MANAGERS)
  @PeopleOnly()
  @Mutation(() => String, { description: "Shows an app's current client secret again (administrators, and the developer who created the app; audited)." })
  async revealAppSecret(@Arg('id', () => ID, { description: "The app's id." }) id: string, @Ctx() ctx: Context): Promise<string> {
    return ctx.services.apps.revealSecret(ctx.actor(), id);
  }

  @Authorized(MANAGERS)
  @PeopleOnly()
  @Mutation(() => RotateAppSecretPayload, {
    description:
      'Gives an app a new client secret; the previous one keeps working for `graceSeconds`, so both authenticate during the overlap (administrators, and the developer who created it).',
  })
  async rotateAppSecret(@Args(() => RotateAppSecretArgs) args: RotateAppSecretArgs, @Ctx() ctx: Context): Promise<RotateAppSecretPayload> {
    const { view, secret, previousSecretValidUntil } = await ctx.services.apps.rotateSecret(ctx.actor(), args.id, args.graceSeconds);
    return Object.assign(new RotateAppSecretPayload(), { app: present(ctx, view), secret, previousSecretValidUntil });
  }

  @FieldResolver(() => UserType, { nullable: true, description: 'The user who created it (null if they are gone).' })
  async createdBy(@Root() app: AppType, @Ctx() ctx: Context): Promise<UserType | null> {
    return personOf(ctx, app.createdById);
  }
}
