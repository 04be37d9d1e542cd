import type { ApolloServerOptionsWithGateway, BaseContext } from '@apollo/server';
import { execute, GraphQLError, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { getVariableValues } from 'graphql/execution/values';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { LRUCache } from 'lru-cache';

type Gateway = ApolloServerOptionsWithGateway<BaseContext>['gateway'];
type Executor = NonNullable<Awaited<ReturnType<Gateway['load']>>['executor']>;

/** How many compiled documents are kept (least recently used go first). */
export const DEFAULT_COMPILED_DOCUMENTS = 500;
/** Runs by graphql-js before a document is compiled. */
export const DEFAULT_COMPILE_AFTER = 2;

/**
 * Executes GraphQL operations with graphql-jit instead of graphql-js's interpreter: each document
 * (by Apollo's query hash and operation name) is compiled, once, on its `compileAfter`-th run,
 * into a JavaScript function that resolves, completes and serializes its fields without walking
 * the AST again on every request — on a 100-item list that walk is most of graphql-js's time
 * (bench/list-query).
 *
 * Apollo Server does everything else as before — parsing, validation and its limits, plugins,
 * error formatting — and hands execution over through its gateway interface, the documented
 * way to bring an executor. What stays with graphql-js, so answers do not change:
 * - variables are coerced by graphql-js first, so a bad variable is the same request error
 *   (Apollo recognises those by graphql-js's error shape and answers BAD_USER_INPUT), and
 *   defaults of input fields apply (graphql-jit 0.8 refuses a missing non-null input field even
 *   when it has a default). graphql-jit then coerces the coerced values again, which changes
 *   nothing for this schema's scalars (DateTimeISO takes a Date, JSON anything) and enums (each
 *   value's internal value is its name) — test/unit/jit-executor.test.ts holds the schema to that;
 * - a document's first runs, and any document graphql-jit cannot compile, run on graphql-js.
 * Subscriptions are graphql-ws's, as before.
 */
export class JitExecutor {
  /** By document: how often it ran, and its function once compiled (null: it cannot be); least recently used dropped first. */
  private readonly documents: LRUCache<string, { runs: number; query?: CompiledQuery | null }>;

  /**
   * @param compileAfter runs of a document by graphql-js before it is compiled: compiling costs
   *   more than one interpretation, so a document sent once (or a client sending a new document
   *   with every request) is never compiled.
   */
  constructor(
    private readonly schema: GraphQLSchema,
    maxDocuments = DEFAULT_COMPILED_DOCUMENTS,
    private readonly compileAfter = DEFAULT_COMPILE_AFTER,
  ) {
    this.documents = new LRUCache({ max: maxDocuments });
  }

  /** Apollo's `gateway` option: serves this schema and executes with {@link execute}. */
  gateway(): Gateway {
    return {
      onSchemaLoadOrUpdate: (callback) => {
        callback({ apiSchema: this.schema, coreSupergraphSdl: '' });
        return () => undefined;
      },
      load: async () => ({ executor: this.execute }),
      stop: async () => {
        this.documents.clear();
      },
    };
  }

  /** How many documents are known (compiled or counted). */
  get size(): number {
    return this.documents.size;
  }

  readonly execute: Executor = async (requestContext) => {
    const { document, operation, operationName, queryHash, context } = requestContext;
    const variables = requestContext.request.variables ?? {};
    const query = this.compiledFor(`${queryHash}:${operationName ?? ''}`, () => {
      try {
        const result = compileQuery(this.schema, document, operationName ?? undefined, { disablingCapturingStackErrors: true });
        return isCompiledQuery(result) ? result : null;
      } catch {
        return null;
      }
    });
    // graphql-js coerces (and reports) variables itself.
    if (!query) return execute({ schema: this.schema, document, contextValue: context, variableValues: variables, operationName });
    const coerced = getVariableValues(this.schema, operation.variableDefinitions ?? [], variables, { maxErrors: 50 });
    if (coerced.errors) return { errors: coerced.errors };
    const result: ExecutionResult = await query.query(undefined, context, coerced.coerced);
    return result.errors ? { ...result, errors: result.errors.map(asGraphQLJsError) } : result;
  };

  /**
   * The document's function: compiled on its `compileAfter`-th run and kept (least recently used
   * dropped past `maxDocuments`); undefined until then and null if graphql-jit cannot compile
   * it — graphql-js runs it then.
   */
  private compiledFor(key: string, compile: () => CompiledQuery | null): CompiledQuery | null | undefined {
    let entry = this.documents.get(key);
    if (!entry) this.documents.set(key, (entry = { runs: 0 }));
    entry.runs += 1;
    if (entry.query === undefined && entry.runs >= this.compileAfter) entry.query = compile();
    return entry.query;
  }
}

/**
 * graphql-jit's errors pass `instanceof GraphQLError` but are not graphql-js's: `extensions` is
 * undefined unless the thrown error had some (Apollo reads `extensions.code` and would mask
 * every resolver error as an internal one), and there are no `nodes`. The same error as
 * graphql-js builds it, with graphql-jit's locations.
 */
function asGraphQLJsError(error: GraphQLError): GraphQLError {
  const rebuilt = new GraphQLError(error.message, {
    path: error.path,
    originalError: error.originalError ?? undefined,
    extensions: error.extensions ?? undefined,
  });
  return Object.assign(rebuilt, { locations: error.locations });
}
