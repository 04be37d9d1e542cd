import { AppKind } from './app.kinds';
import type { RequestContext } from '../../core/graphql/request-context';
import type { KindRegistry } from '../../core/tokens/kind-registry';
import type { TokenReader } from '../../core/tokens/token-reader';
import type { AppService } from './app.service';
import { visibleOrNull, type NodeSource } from '../../core/graphql/node';
import { tokenFields } from '../../core/graphql/token-base.type';
import { Role } from '../../core/tokens/token-kind';
import { AppClientSecretType, AppType } from './app.type';

/** What this file's resolvers use of the request (see RequestContext). */
type Context = RequestContext<{ apps: AppService; kinds: KindRegistry; tokenRecords: TokenReader }>;

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
