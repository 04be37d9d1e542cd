import {
  createSourceEventStream,
  execute,
  Kind,
  print,
  visit,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type OperationDefinitionNode,
} from 'graphql';
import { whenDone, type Maybe } from '../core/maybe';

/** How many (event, operation) results are kept for other listeners to reuse. */
const CACHE_LIMIT = 2_000;

interface Shareable {
  /** Who the result may be shared with: listeners of the same tenant and role. */
  audienceKey(contextValue: unknown): string | null;
}

/**
 * A graphql-ws `subscribe` that executes each event once per distinct (event, document,
 * variables, audience) and hands the same result to every listener that shares them, instead of
 * executing the selection set once per listener. Source streams stay per listener (each
 * listener's own filter and visibility decide what it receives); only the mapping of an event to
 * its response is shared.
 */
export function sharedSubscribe(shareable: Shareable) {
  /** Each shared result: its promise while it executes, then the result itself (later listeners take it without a wait). */
  const results = new Map<string, Maybe<ExecutionResult>>();

  function remember(key: string, execution: Maybe<ExecutionResult>): Maybe<ExecutionResult> {
    if (execution instanceof Promise) {
      const pending = execution;
      // Settled, the entry becomes the result (unless it was dropped or replaced meanwhile).
      void pending.then(
        (result) => {
          if (results.get(key) === pending) results.set(key, result);
        },
        () => undefined,
      );
    }
    results.set(key, execution);
    if (results.size > CACHE_LIMIT) {
      const oldest = results.keys().next().value;
      if (oldest !== undefined) results.delete(oldest);
    }
    return execution;
  }

  /**
   * Each distinct operation key (its document printed, variables, audience: hundreds of
   * characters) gets a small number while subscriptions use it, so a result's key per event and
   * listener is short: building and hashing the long key for every listener measured 11% of the
   * fan-out's busy time (notice-delivery --profile).
   */
  const operations = new Map<string, { id: number; users: number }>();
  let nextOperation = 0;
  function operationOf(key: string): { id: number; release: () => void } {
    let entry = operations.get(key);
    if (!entry) operations.set(key, (entry = { id: nextOperation++, users: 0 }));
    entry.users += 1;
    const held = entry;
    let released = false;
    return {
      id: held.id,
      release() {
        if (released) return;
        released = true;
        held.users -= 1;
        if (held.users === 0 && operations.get(key) === held) operations.delete(key);
      },
    };
  }

  return async (args: ExecutionArgs): Promise<AsyncGenerator<ExecutionResult> | ExecutionResult> => {
    const source = await createSourceEventStream(args);
    if (!isAsyncIterable(source)) return source as ExecutionResult;
    const audience = shareable.audienceKey(args.contextValue);
    const operationKey = `${print(args.document)}|${args.operationName ?? ''}|${JSON.stringify(selectionVariables(args))}|${audience}`;
    const operation = operationOf(operationKey);
    const iterator = (source as AsyncIterable<{ id?: string | number }>)[Symbol.asyncIterator]();
    const resultOf = (event: { id?: string | number }): Maybe<ExecutionResult> => {
      const eventId = event && typeof event === 'object' && 'id' in event ? String(event.id) : null;
      if (eventId === null || audience === null) return execute({ ...args, rootValue: event });
      const key = `${eventId}|${operation.id}`;
      return results.get(key) ?? remember(key, execute({ ...args, rootValue: event }));
    };
    const failed = (error: unknown): never => {
      operation.release();
      throw error;
    };
    const stepOf = (step: IteratorResult<{ id?: string | number }>): Maybe<IteratorResult<ExecutionResult>> => {
      if (step.done) {
        operation.release();
        return { value: undefined, done: true };
      }
      return whenDone(resultOf(step.value), (value) => ({ value, done: false }));
    };
    // A plain iterator rather than an async generator: an event becomes its (shared) result in one
    // promise step (the source's), without a generator's own queue and awaits (per listener, per
    // event: the fan-out's hot path; bench/notice-delivery). Closing it closes the listener's source stream.
    const generator = {
      next(): Promise<IteratorResult<ExecutionResult>> {
        return iterator.next().then(stepOf, failed);
      },
      async return(value?: unknown): Promise<IteratorResult<ExecutionResult>> {
        operation.release();
        await iterator.return?.(undefined);
        return { value: value as ExecutionResult, done: true };
      },
      async throw(error?: unknown): Promise<IteratorResult<ExecutionResult>> {
        operation.release();
        await iterator.return?.(undefined);
        throw error;
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    } as AsyncGenerator<ExecutionResult>;
    return generator;
  };
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof (value as AsyncIterable<unknown>)?.[Symbol.asyncIterator] === 'function';
}

/**
 * The variables the response depends on: those used inside the root field's selection set.
 * The root field's own arguments (`filter`, `after`) only shape the listener's source stream,
 * so listeners that differ only there still share one execution per event.
 */
function selectionVariables(args: ExecutionArgs): Record<string, unknown> {
  const operation = args.document.definitions.find(
    (definition): definition is OperationDefinitionNode =>
      definition.kind === Kind.OPERATION_DEFINITION && (!args.operationName || definition.name?.value === args.operationName),
  );
  const used = new Set<string>();
  const collect = (node: DocumentNode | OperationDefinitionNode['selectionSet']) =>
    visit(node, {
      Variable(variable) {
        used.add(variable.name.value);
      },
    });
  for (const selection of operation?.selectionSet.selections ?? []) {
    if (selection.kind === Kind.FIELD && selection.selectionSet) collect(selection.selectionSet);
    else collect({ kind: Kind.SELECTION_SET, selections: [selection] });
  }
  // Fragments the selection spreads may use variables too.
  for (const definition of args.document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) collect(definition.selectionSet);
  const values = (args.variableValues ?? {}) as Record<string, unknown>;
  return Object.fromEntries([...used].sort().map((name) => [name, values[name]]));
}
