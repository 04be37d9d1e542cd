import { ErrorLine } from '../components';
import { ConsoleOAuthProvidersDocument, ConsoleOAuthTokensDocument } from '../generated/graphql';
import { useLiveQuery } from '../live';
import { Bundles } from './oauth/bundles';
import { Providers } from './oauth/providers';
import { Tokens } from './oauth/tokens';

/** The OAuth page: providers, the outbound tokens Tessera holds for them, and bundles (parts in ./oauth/). */
export function OAuth() {
  const providers = useLiveQuery(ConsoleOAuthProvidersDocument, {}, ['OAUTH'], (data) => data.oauthProviders);
  const tokens = useLiveQuery(ConsoleOAuthTokensDocument, {}, ['OAUTH'], (data) => data.oauthTokens);
  const providerList = providers.data?.oauthProviders.edges.map((edge) => edge.node) ?? null;
  const tokenList = tokens.data?.oauthTokens.edges.map((edge) => edge.node) ?? null;
  const refetch = () => {
    providers.refetch();
    tokens.refetch();
  };
  return (
    <section aria-labelledby="oauth-title">
      <h1 id="oauth-title">OAuth providers and tokens</h1>
      <p className="lead">Outbound OAuth: Tessera requests tokens from third-party providers, keeps them encrypted, and refreshes them before they expire.</p>
      <ErrorLine error={providers.error ?? tokens.error} />
      <Providers providers={providerList} tokens={tokenList ?? []} loaded={!providers.loading} more={providers.more} refetch={refetch} />
      <Tokens tokens={tokenList} providers={providerList} loaded={!tokens.loading} more={tokens.more} refetch={refetch} />
      <Bundles refetch={refetch} />
    </section>
  );
}
