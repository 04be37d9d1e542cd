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

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
/** In input objects, text may span lines (descriptions): tab, line feed and carriage return pass. */
// eslint-disable-next-line no-control-regex
const CONTROL_EXCEPT_LINES = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** The path of the first string under `value` that holds a refused control character, or null. */
function controlCharacterAt(value: unknown, path: string, depth = 0): string | null {
  if (typeof value === 'string') return CONTROL_EXCEPT_LINES.test(value) ? path : null;
  if (value === null || typeof value !== 'object' || depth > 32) return null;
  for (const [key, item] of Object.entries(value)) {
    const found = controlCharacterAt(item, Array.isArray(value) ? `${path}[${key}]` : path ? `${path}.${key}` : key, depth + 1);
    if (found) return found;
  }
  return null;
}

/**
 * Control characters (U+0000–U+001F, U+007F) never reach storage through an argument: ids,
 * cursors, filters and tokens refuse them all, strings inside input objects all but tab and line
 * breaks (a description may span lines). BAD_USER_INPUT names the argument, never the value.
 */
function refuseControlCharacters(argValue: unknown, argType: TypeValue, resolverData: ResolverData<object>): void {
  const args = (resolverData.args ?? {}) as Record<string, unknown>;
  if (typeof argValue === 'string') {
    const name = Object.keys(args).find((key) => args[key] === argValue) ?? '';
    if (CONTROL.test(argValue)) throw AppError.badInput(name || 'argument', `${name || 'An argument'} must not contain control characters.`);
    return;
  }
  // An @Args class arrives whole: its fields are the arguments (no prefix).
  const name = argumentName(argType, args);
  if (name === '' && argValue !== null && typeof argValue === 'object') {
    for (const [key, item] of Object.entries(argValue)) {
      if (typeof item === 'string' && CONTROL.test(item)) throw AppError.badInput(key, `${key} must not contain control characters.`);
    }
  }
  const found = controlCharacterAt(argValue, name);
  if (found) throw AppError.badInput(found, `${found} must not contain control characters.`);
}

/**
 * Validates every argument with class-validator and answers BAD_USER_INPUT naming the field by
 * its full path (`input.name`), so clients can point at it. Runs before the resolver, so a bad
 * input writes nothing.
 */
export async function validateArgument(argValue: unknown, argType: TypeValue, resolverData: ResolverData<object>): Promise<void> {
  refuseControlCharacters(argValue, argType, resolverData);
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
