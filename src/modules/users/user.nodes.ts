import type { RequestContext } from '../../core/graphql/request-context';
import type { UserService } from './user.service';
import type { NodeSource } from '../../core/graphql/node';
import { Role } from '../../core/tokens/token-kind';
import { UserType } from './user.type';

/** What this file's resolvers use of the request (see RequestContext). */
type Context = RequestContext<{ users: UserService }>;

/** A person is read by themselves and by their tenant's administrators. */
export const userNodes: NodeSource<Context>[] = [
  {
    prefix: 'usr',
    typeName: 'User',
    async load(ctx, id) {
      const viewer = ctx.viewer;
      if (!viewer || (viewer.id !== id && viewer.role !== Role.ADMIN)) return null;
      const user = await ctx.services.users.findUser(viewer.tenantId, id);
      return user ? UserType.from(user) : null;
    },
  },
];
