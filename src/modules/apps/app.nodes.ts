import { AppKind } from './app.kinds';
import type { Context } from '../../context';
import { visibleOrNull, type NodeSource } from '../../core/graphql/node';
import { tokenFields } from '../../core/graphql/token-base.type';
import { Role } from '../../core/tokens/token-kind';
import { AppClientSecretType, AppType } from './app.type';

/** Apps and their client secrets are read by the roles that read apps, as `app(id)`. */
const READERS = [Role.ADMIN, Role.DEVELOPER];

function mayRead(ctx: Context): boolean {
  return ctx.viewer !== null && READERS.includes(ctx.viewer.role);
}

export const appNodes: NodeSource<Context>[] = [
  {
    prefix: 'app',
    typeName: 'App',
    async load(ctx, id) {
      if (!mayRead(ctx)) return null;
      const view = await visibleOrNull(() => ctx.services.apps.get(ctx.actor(), id));
      return view ? ctx.present(AppType, view) : null;
    },
  },
  {
    prefix: 'aps',
    typeName: 'AppClientSecret',
    async load(ctx, id) {
      if (!mayRead(ctx) || !ctx.viewer) return null;
      const record = await ctx.services.tokenRecords.find(ctx.viewer.tenantId, AppKind.APP_SECRET, id);
      return record ? Object.assign(new AppClientSecretType(), tokenFields(record, ctx.now, ctx.services.kinds)) : null;
    },
  },
];
