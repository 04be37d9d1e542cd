import type { Context } from '../../context';
import type { NodeSource } from '../../core/graphql/node';
import { Role } from '../../core/tokens/token-kind';
import { UserType } from './user.type';

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
