import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';

/**
 * Headers that make a GraphQL-over-HTTP request CSRF-safe (Apollo's check): Apollo's two, and
 * `Authorization`, which no browser sends cross-site without a CORS preflight. urql and other
 * clients that send queries as GET with a Bearer token (and no content-type) are served; a
 * simple request without any of them (a form, an image tag) is still refused.
 */
export const CSRF_SAFE_HEADERS = ['x-apollo-operation-name', 'apollo-require-preflight', 'authorization'];

/** What a subscription POSTed over HTTP is told (400): subscriptions live on graphql-ws. */
export const SUBSCRIPTION_OVER_HTTP =
  'Subscriptions are not served over HTTP: open a WebSocket at this same path with the graphql-transport-ws subprotocol (graphql-ws), send { authorization: "Bearer <token>" } in connection_init, then subscribe.';

/** What a GET /graphql without a query is told (400), e.g. curl's first try. */
export const NO_QUERY_HINT =
  'No query: POST one as JSON, e.g. curl -X POST <this URL> -H "Authorization: Bearer $ADMIN_TOKEN" -H "Content-Type: application/json" -d \'{"query":"{ viewer { id } }"}\'. A browser opening this URL gets GraphiQL; the console is at /console.';

/** What any introspection attempt is told while it is off (production), naming the setting. */
export const INTROSPECTION_OFF =
  'Introspection is off on this server (the production default): set TESSERA_INTROSPECTION=true to turn it on (GraphiQL and code generators need it).';

/** Whether a validation message is graphql-js's or Apollo's refusal of introspection. */
export function isIntrospectionRefusal(message: string): boolean {
  return /introspection (is not allowed|has been disabled)/i.test(message);
}

/** Refuses a subscription operation over HTTP with 400 and {@link SUBSCRIPTION_OVER_HTTP}, before it runs. */
export function subscriptionsOverWebSocketOnly(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation }) {
          if (operation?.operation !== 'subscription') return;
          throw new GraphQLError(SUBSCRIPTION_OVER_HTTP, { extensions: { code: 'BAD_REQUEST', reason: 'SUBSCRIPTION_OVER_HTTP', http: { status: 400 } } });
        },
      };
    },
  };
}
