/**
 * The baseline for list-query: a plain Apollo Server 5 on express 5 with default settings, the
 * same schema (schema/schema.graphql, Tessera's emitted SDL) and `personalAccessTokens` served
 * from memory: the connection Tessera answered for 100 PATs, read from the file in PLAIN_DATA.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';

interface Connection {
  totalCount: number;
  pageInfo: Record<string, unknown>;
  edges: { cursor: string; node: Record<string, unknown> }[];
}

async function start(): Promise<void> {
  const typeDefs = readFileSync(join(__dirname, '..', '..', 'schema', 'schema.graphql'), 'utf8');
  const data = JSON.parse(readFileSync(process.env.PLAIN_DATA!, 'utf8')) as Connection;
  const apollo = new ApolloServer({
    typeDefs,
    resolvers: {
      Query: {
        personalAccessTokens: (_root: unknown, args: { first?: number }) => {
          if ((args.first ?? 20) >= data.edges.length) return data;
          const edges = data.edges.slice(0, args.first ?? 20);
          return {
            ...data,
            edges,
            pageInfo: { ...data.pageInfo, endCursor: edges[edges.length - 1]?.cursor ?? null, hasNextPage: edges.length < data.edges.length },
          };
        },
      },
    },
  });
  await apollo.start();
  const app = express();
  app.use('/graphql', express.json({ limit: '1mb' }), expressMiddleware(apollo));
  const server = createServer(app);
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : 0}\n`);
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

start().catch((error: Error) => {
  process.stderr.write(`plain apollo failed: ${error.stack}\n`);
  process.exit(1);
});
