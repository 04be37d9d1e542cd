import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import 'graphiql/setup-workers/vite';
import 'graphiql/style.css';
import { createRoot } from 'react-dom/client';
import { TOKEN_KEY } from './api';

// The offline GraphiQL at GET /graphql: bundled, no CDN. The bearer header comes from the
// console's sign-in (this tab's session storage), so queries run as the signed-in user.
const token = sessionStorage.getItem(TOKEN_KEY);
const origin = `${location.protocol}//${location.host}`;
const fetcher = createGraphiQLFetcher({
  url: `${origin}/graphql`,
  subscriptionUrl: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`,
  wsConnectionParams: token ? { authorization: `Bearer ${token}` } : undefined,
});

createRoot(document.getElementById('graphiql')!).render(
  <GraphiQL
    fetcher={fetcher}
    initialHeaders={JSON.stringify(
      token ? { Authorization: `Bearer ${token}` } : { Authorization: 'Bearer <sign in at /console, or paste a token here>' },
      null,
      2,
    )}
    defaultQuery={'# Signed in from the console: the Authorization header is filled in (see Headers).\n{\n  viewer { id name role tenant { name } }\n}\n'}
  />,
);
