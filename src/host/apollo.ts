import { randomUUID } from 'node:crypto';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type Express } from 'express';
import { GraphQLError, type GraphQLSchema, type ValidationRule } from 'graphql';
import { Context } from '../context';
import { bearerValue } from '../core/auth/auth-checker';
import type { ClientAddressOf } from '../core/client-address';
import type { Config } from '../core/config';
import { propagationPlugin, type Lifecycle } from '../core/events/outbox';
import { requestIdPlugin, type createErrorFormatter } from '../core/graphql/format-error';
import { CSRF_SAFE_HEADERS, subscriptionsOverWebSocketOnly } from '../core/graphql/http-rules';
import { DEFAULT_COMPILED_DOCUMENTS, JitExecutor } from '../core/graphql/jit-executor';
import { bodyErrorHandler, GRAPHQL_MAX_BODY_BYTES, refuseDeepJson } from '../core/http';
import type { Logger } from '../core/logger';
import { RateLimitedError } from '../core/rate-limit';
import type { Services } from '../services';
import type { HttpDrain } from './http-drain';

export interface ApolloParts {
  app: Express;
  /** Drains the HTTP server when Apollo stops. */
  httpDrain: HttpDrain;
  schema: GraphQLSchema;
  rules: ValidationRule[];
  config: Config;
  services: Services;
  lifecycle: Lifecycle;
  logger: Logger;
  formatError: ReturnType<typeof createErrorFormatter>;
  clientAddress: ClientAddressOf;
  /** Run when Apollo drains the HTTP server (closing the WebSockets). */
  drain: () => Promise<void>;
}

/**
 * GraphQL over HTTP at `POST|GET /graphql`: Apollo Server executing through graphql-jit, with
 * Tessera's limits, error masking, CSRF rule, request ids and propagation headers; the caller is
 * authenticated once per request (failed tokens count against the address's budget, 429 past it).
 */
export async function mountApollo(parts: ApolloParts): Promise<ApolloServer<Context>> {
  const { app, config, services, logger, clientAddress } = parts;
  const apollo = new ApolloServer<Context>({
    ...(config.graphqlCompileAfter > 0
      ? { gateway: new JitExecutor(parts.schema, DEFAULT_COMPILED_DOCUMENTS, config.graphqlCompileAfter).gateway() }
      : { schema: parts.schema }),
    formatError: parts.formatError,
    validationRules: parts.rules,
    allowBatchedHttpRequests: false,
    introspection: config.introspection,
    // Without introspection, validation errors do not suggest field names either ("Did you mean").
    hideSchemaDetailsFromClientErrors: !config.introspection,
    csrfPrevention: { requestHeaders: CSRF_SAFE_HEADERS },
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: false,
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginCacheControlDisabled(),
      requestIdPlugin(logger),
      propagationPlugin(parts.lifecycle, config.verifyCacheTtlMs),
      subscriptionsOverWebSocketOnly(),
      {
        async serverWillStart() {
          return { drainServer: () => parts.httpDrain.drain() };
        },
      },
      {
        async serverWillStart() {
          return { drainServer: parts.drain };
        },
      },
    ],
  });
  await apollo.start();
  app.use(
    '/graphql',
    express.json({ limit: GRAPHQL_MAX_BODY_BYTES, verify: refuseDeepJson() }),
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        try {
          const { principal, tokenId } = await services.auth.authenticate(bearerValue(req.headers.authorization), clientAddress(req), undefined, req.socket);
          return new Context(services, String(req.res?.locals.requestId ?? randomUUID()), principal, tokenId);
        } catch (error) {
          if (!(error instanceof RateLimitedError)) throw error;
          throw new GraphQLError(error.message, {
            extensions: {
              code: 'RATE_LIMITED',
              retryAfter: error.retryAfterSeconds,
              http: { status: 429, headers: new Map([['retry-after', String(error.retryAfterSeconds)]]) },
            },
          });
        }
      },
    }),
  );
  // After every body parser: malformed or oversized bodies get a JSON error, not a stack.
  app.use(bodyErrorHandler(logger));
  return apollo;
}
