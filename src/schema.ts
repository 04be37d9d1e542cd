import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { buildSchema, type PubSub } from 'type-graphql';
import { authChecker } from './core/auth/auth-checker';
import { validateArgument } from './core/graphql/validate';
import { ASSEMBLY, type Assembly } from './modules';
import { registerNodeTypes, resolveNodesSynchronously } from './core/graphql/node';
import { declareTokenKinds } from './core/graphql/enums';

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

/** Schemas built in this process, by module set (the full server's is built once). */
const built = new Map<string, Promise<GraphQLSchema>>();

/** type-graphql gives the root types no description; every type of Tessera's schema has one. */
const ROOT_DESCRIPTIONS = {
  Query: 'Reads. Every field needs a bearer token (a personal access token or an app access token) and shows only what that token may see.',
  Mutation: 'Changes. Each one is a transaction: it happens whole, with its events and audit entries, or not at all; bad input changes nothing.',
  Subscription:
    'Live streams over graphql-ws (subprotocol graphql-transport-ws), authenticated at connection_init: events as they are committed, with replay from a given event id.',
};

function describeRoots(schema: GraphQLSchema): GraphQLSchema {
  for (const root of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
    if (root && !root.description) root.description = ROOT_DESCRIPTIONS[root.name as keyof typeof ROOT_DESCRIPTIONS];
  }
  return schema;
}

/** The GraphQL schema of a set of modules (every module by default), code-first; built once per set. */
export function buildTesseraSchema(assembly: Assembly = ASSEMBLY): Promise<GraphQLSchema> {
  const key = assembly.modules.map((module) => module.name).join(',');
  let schema = built.get(key);
  if (!schema) {
    registerNodeTypes(assembly.nodeSources);
    declareTokenKinds(assembly.kindDefinitions);
    schema = buildSchema({
      resolvers: assembly.resolvers,
      authChecker,
      pubSub: noTopics,
      validateFn: validateArgument,
      emitSchemaFile: false,
    })
      .then(describeRoots)
      .then(resolveNodesSynchronously);
    built.set(key, schema);
  }
  return schema;
}
