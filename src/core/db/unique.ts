import { UniqueConstraintViolationException } from '@mikro-orm/core';

/**
 * A write that lost a race on a unique index becomes `conflict()` — a CONFLICT the caller can act
 * on — never a database error; anything else is rethrown as it is. Use as `.catch(…)` or inside
 * a `catch` block.
 */
export function whenUniqueViolated(conflict: () => Error): (error: unknown) => never {
  return (error) => {
    if (error instanceof UniqueConstraintViolationException) throw conflict();
    throw error;
  };
}

/** The same inside a `catch` block: `throw conflictIfUnique(error, () => …)`. */
export function conflictIfUnique(error: unknown, conflict: () => Error): unknown {
  return error instanceof UniqueConstraintViolationException ? conflict() : error;
}
