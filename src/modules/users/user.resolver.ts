import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { AppError } from '../../core/errors';
import { Role } from '../../core/tokens/token-kind';
import type { RequestContext } from '../../core/graphql/request-context';
import type { UserService } from './user.service';
import { CreateUserInput } from './user.inputs';
import { CreateUserPayload, TenantType, UserType, ViewerType } from './user.type';

/** What this file's resolvers use of the request (see RequestContext). */
type Context = RequestContext<{ users: UserService }>;

@Resolver()
export class UserResolver {
  @Authorized()
  @Query(() => ViewerType, { description: 'Who is calling.' })
  async viewer(@Ctx() ctx: Context): Promise<ViewerType> {
    const viewer = ctx.requireViewer();
    const [tenant, user] = await Promise.all([
      ctx.services.users.findTenant(viewer.tenantId),
      viewer.type === 'user' ? ctx.services.users.findUser(viewer.tenantId, viewer.id) : null,
    ]);
    if (!tenant) throw AppError.unauthenticated();
    return Object.assign(new ViewerType(), {
      id: viewer.id,
      type: viewer.type,
      name: viewer.name,
      email: user?.email ?? null,
      role: viewer.role,
      tenant: TenantType.from(tenant),
      tokenId: ctx.tokenId,
    });
  }

  @Authorized([Role.ADMIN])
  @Mutation(() => CreateUserPayload, { description: 'Creates a user of your tenant and a first personal access token for them (administrators).' })
  async createUser(
    @Arg('input', () => CreateUserInput, { description: 'The new user.' }) input: CreateUserInput,
    @Ctx() ctx: Context,
  ): Promise<CreateUserPayload> {
    const { user, secret } = await ctx.services.users.createUser(ctx.actor(), input);
    return Object.assign(new CreateUserPayload(), { user: UserType.from(user), secret });
  }
}
