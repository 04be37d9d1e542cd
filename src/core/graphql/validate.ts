import { validate, type ValidationError } from 'class-validator';
import { getMetadataStorage, type ResolverData } from 'type-graphql';

type TypeValue = unknown;
import { AppError } from '../errors';

/** Flattens class-validator errors to dotted field paths and messages: never the offending value. */
function problems(errors: ValidationError[], prefix: string): { field: string; messages: string[] }[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, messages: Object.values(error.constraints) }] : [];
    return [...own, ...problems(error.children ?? [], field)];
  });
}

/** The argument name an input object came in under (`input`), or '' for an `@Args` class. */
function argumentName(argType: TypeValue, args: Record<string, unknown>): string {
  const isArgsClass = getMetadataStorage().argumentTypes.some((meta) => meta.target === argType);
  if (isArgsClass) return '';
  const objects = Object.keys(args).filter((key) => args[key] !== null && typeof args[key] === 'object');
  return objects.length === 1 ? objects[0] : '';
}

/**
 * Validates every argument with class-validator and answers BAD_USER_INPUT naming the field by
 * its full path (`input.name`), so clients can point at it. Runs before the resolver, so a bad
 * input writes nothing.
 */
export async function validateArgument(argValue: unknown, argType: TypeValue, resolverData: ResolverData<object>): Promise<void> {
  if (argValue === null || typeof argValue !== 'object') return;
  const values = Array.isArray(argValue) ? argValue : [argValue];
  const found: ValidationError[] = [];
  for (const value of values) {
    if (value !== null && typeof value === 'object') found.push(...(await validate(value as object, { forbidUnknownValues: false })));
  }
  if (found.length > 0) throw badInputOf(found, argumentName(argType, resolverData.args as Record<string, unknown>));
}

/**
 * The same check for an input built outside GraphQL (an imported bundle item): `instance` must be
 * an instance of the input class (nested inputs too), as type-graphql builds them; the error is the
 * one the mutation taking that input would answer, fields under `prefix` (`input`).
 */
export async function validateInput(instance: object, prefix: string): Promise<void> {
  const found = await validate(instance, { forbidUnknownValues: false });
  if (found.length > 0) throw badInputOf(found, prefix);
}

function badInputOf(found: ValidationError[], prefix: string): AppError {
  const list = problems(found, prefix);
  const first = list[0];
  return AppError.badInput(first.field, list.map((problem) => `${problem.field}: ${problem.messages.join('; ')}`).join('. '));
}
