/** The notices' GraphQL resolvers, apart from index.ts (which services import): see verify/api.ts. */
export { NoticeResolver, TokenEventFieldsResolver } from './notice.resolver';
