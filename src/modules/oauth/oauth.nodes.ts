import type { RequestContext } from '../../core/graphql/request-context';
import type { KindRegistry } from '../../core/tokens/kind-registry';
import type { OAuthService } from './oauth.service';
import { visibleOrNull, type NodeSource } from '../../core/graphql/node';
import { Role } from '../../core/tokens/token-kind';
import { OAuthProviderType, OAuthTokenType } from './oauth.type';

/** What this file's resolvers use of the request (see RequestContext). */
type Context = RequestContext<{ kinds: KindRegistry; oauth: OAuthService }>;

/** Providers and outbound tokens are read by the roles that manage them, as `oauthProviders` and `oauthTokens`. */
const READERS = [Role.ADMIN, Role.AUTOMATION_ADMIN];

function mayRead(ctx: Context): boolean {
  return ctx.viewer !== null && READERS.includes(ctx.viewer.role);
}

export const oauthNodes: NodeSource<Context>[] = [
  {
    prefix: 'oap',
    typeName: 'OAuthProvider',
    async load(ctx, id) {
      if (!mayRead(ctx)) return null;
      const provider = await visibleOrNull(() => ctx.services.oauth.providers.get(ctx.actor(), id));
      return provider ? OAuthProviderType.from(provider) : null;
    },
  },
  {
    prefix: 'oat',
    typeName: 'OAuthToken',
    async load(ctx, id) {
      if (!mayRead(ctx)) return null;
      const view = await visibleOrNull(() => ctx.services.oauth.getToken(ctx.actor(), id));
      return view ? OAuthTokenType.fromView(view, ctx.now, ctx.services.kinds) : null;
    },
  },
];
