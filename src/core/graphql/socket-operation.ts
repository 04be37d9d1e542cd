import { getOperationAST, GraphQLError, parse, type DocumentNode, type ExecutionArgs, type GraphQLSchema } from 'graphql';
import { getVariableValues } from 'graphql/execution/values';

/** What a graphql-ws `subscribe` message carries. */
export interface SocketOperation {
  query: string;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
}

/** A request error with the code Apollo gives the same mistake over HTTP (the formatter answers it BAD_USER_INPUT). */
function requestError(error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    extensions: { ...error.extensions, code },
  });
}

/**
 * Prepares one graphql-ws operation as Apollo prepares an HTTP request: parse, validate (with the
 * same rules), pick the operation, coerce the variables. A mistake is answered to that operation
 * alone, as an `error` message with the code HTTP gives it (graphql-ws would close the whole
 * socket with 4500 on a syntax error, and answer bad variables as an internal error); the socket
 * and its other operations live on.
 */
export function prepareSocketOperation(
  schema: GraphQLSchema,
  validate: (schema: GraphQLSchema, document: DocumentNode) => readonly GraphQLError[],
  payload: SocketOperation,
): ExecutionArgs | GraphQLError[] {
  let document: DocumentNode;
  try {
    document = parse(payload.query);
  } catch (error) {
    if (error instanceof GraphQLError) return [requestError(error, 'GRAPHQL_PARSE_FAILED')];
    throw error;
  }
  const invalid = validate(schema, document);
  if (invalid.length > 0) return invalid.map((error) => requestError(error, 'GRAPHQL_VALIDATION_FAILED'));
  const operationName = payload.operationName ?? undefined;
  const operation = getOperationAST(document, operationName);
  if (!operation) {
    const message = operationName ? `Unknown operation named "${operationName}".` : 'Must provide operation name if query contains multiple operations.';
    return [new GraphQLError(message, { extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } })];
  }
  const variables = payload.variables ?? {};
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables, { maxErrors: 25 });
  if (coerced.errors) return coerced.errors.map((error) => requestError(error, 'BAD_USER_INPUT'));
  return { schema, document, operationName, variableValues: variables };
}
