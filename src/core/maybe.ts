/**
 * Values that are ready now on the hot paths (a cached verification, an in-memory rate limit) and
 * promised otherwise (a storage read, Redis). Composing them with these helpers keeps a request
 * that never waits free of promises: on Node 20 every promise pays for the async hooks that
 * AsyncLocalStorage switches on, and a verify request that awaits five times pays it five times.
 */
export type Maybe<T> = T | Promise<T>;

/** Applies `then` to a value now, or to a promised value once it settles. */
export function whenDone<T, R>(value: Maybe<T>, then: (value: T) => Maybe<R>): Maybe<R> {
  return value instanceof Promise ? value.then(then) : then(value);
}

/**
 * Both values: now when both are ready, else once both settle (the first rejection wins, as with
 * Promise.all) — two waits that do not depend on each other (two Redis round trips) overlap.
 */
export function both<A, B>(a: Maybe<A>, b: Maybe<B>): Maybe<[A, B]> {
  return a instanceof Promise || b instanceof Promise ? Promise.all([a, b]) : [a, b];
}

/**
 * Runs `step` and hands any failure to `fail`, whether it throws now or rejects later; returns
 * nothing, so no rejection is ever left unhandled.
 */
export function settle(step: () => unknown, fail: (error: unknown) => void): void {
  try {
    const outcome = step();
    if (outcome instanceof Promise) outcome.catch(fail);
  } catch (error) {
    fail(error);
  }
}
