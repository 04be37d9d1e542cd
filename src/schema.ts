import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { buildSchema, type PubSub } from 'type-graphql';
import { authChecker } from './core/auth/auth-checker';
import { validateArgument } from './core/graphql/validate';
import { resolvers } from './modules';

/**
 * type-graphql insists on a topic pub/sub when a schema has subscriptions. Tessera's
 * subscriptions never use topics: each streams from the event dispatcher (`subscribe` option),
 * which reads the outbox. Any use of topics is a programming error.
 */
const noTopics: PubSub = {
  publish() {
    throw new Error('Tessera subscriptions stream from the event dispatcher; topics are not used');
  },
  subscribe() {
    throw new Error('Tessera subscriptions stream from the event dispatcher; topics are not used');
  },
};

let built: Promise<GraphQLSchema> | undefined;

/** The GraphQL schema, code-first; built once per process. */
export function buildTesseraSchema(): Promise<GraphQLSchema> {
  built ??= buildSchema({
    resolvers,
    authChecker,
    pubSub: noTopics,
    validateFn: validateArgument,
    emitSchemaFile: false,
  });
  return built;
}
