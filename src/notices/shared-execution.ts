import { createSourceEventStream, execute, print, type ExecutionArgs, type ExecutionResult } from 'graphql';

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
  const results = new Map<string, Promise<ExecutionResult>>();

  function remember(key: string, result: Promise<ExecutionResult>): Promise<ExecutionResult> {
    results.set(key, result);
    if (results.size > CACHE_LIMIT) {
      const oldest = results.keys().next().value;
      if (oldest !== undefined) results.delete(oldest);
    }
    return result;
  }

  return async (args: ExecutionArgs): Promise<AsyncGenerator<ExecutionResult> | ExecutionResult> => {
    const source = await createSourceEventStream(args);
    if (!isAsyncIterable(source)) return source as ExecutionResult;
    const audience = shareable.audienceKey(args.contextValue);
    const operationKey = `${print(args.document)}|${args.operationName ?? ''}|${JSON.stringify(args.variableValues ?? {})}|${audience}`;
    async function* mapped(): AsyncGenerator<ExecutionResult> {
      const iterator = source as AsyncIterable<{ id?: string | number }>;
      for await (const event of iterator) {
        const eventId = event && typeof event === 'object' && 'id' in event ? String(event.id) : null;
        if (eventId === null || audience === null) {
          yield await execute({ ...args, rootValue: event });
          continue;
        }
        const key = `${eventId}|${operationKey}`;
        const cached = results.get(key);
        yield await (cached ?? remember(key, Promise.resolve(execute({ ...args, rootValue: event }))));
      }
    }
    const generator = mapped();
    // Closing the response stream closes the listener's source stream.
    const close = generator.return.bind(generator);
    generator.return = async (value?: unknown) => {
      await (source as AsyncGenerator).return?.(undefined);
      return close(value as ExecutionResult);
    };
    return generator;
  };
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof (value as AsyncIterable<unknown>)?.[Symbol.asyncIterator] === 'function';
}
