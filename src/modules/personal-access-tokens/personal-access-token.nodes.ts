import { PatKind } from './personal-access-token.kinds';
import type { RequestContext } from '../../core/graphql/request-context';
import type { TokenReader } from '../../core/tokens/token-reader';
import type { NodeSource } from '../../core/graphql/node';
import { Role } from '../../core/tokens/token-kind';
import { PersonalAccessTokenType } from './personal-access-token.type';

/** What this file's resolvers use of the request (see RequestContext). */
type Context = RequestContext<{ tokenRecords: TokenReader }>;

/** A personal access token is read by its owner, and by the tenant's administrators (who may revoke it). */
export const personalAccessTokenNodes: NodeSource<Context>[] = [
  {
    prefix: 'pat',
    typeName: 'PersonalAccessToken',
    async load(ctx, id) {
      const viewer = ctx.viewer;
      if (!viewer) return null;
      const record = await ctx.services.tokenRecords.find(viewer.tenantId, PatKind.PERSONAL_ACCESS, id);
      if (!record || (record.ownerId !== viewer.id && viewer.role !== Role.ADMIN)) return null;
      return ctx.present(PersonalAccessTokenType, record);
    },
  },
];
