import { createHash } from 'node:crypto';
import Ajv, { type ValidateFunction } from 'ajv';
import { RegexSafety } from './regex-safety';

/** How deeply a request schema may nest (objects and arrays). */
export const MAX_SCHEMA_DEPTH = 32;
/** `uniqueItems` compares every pair of items: only on arrays bounded by `maxItems` up to this. */
export const MAX_UNIQUE_ITEMS = 1_000;

/** A stored schema that fails today's rules (published before them): no body is checked against it. */
export class UnsafeStoredSchema extends Error {}

/**
 * JSON Schema checks for workflow start bodies, with ajv (a maintained, spec-complete validator
 * rather than hand-written rules). Strict mode refuses schemas with unknown keywords at
 * publishing time, so a typo cannot silently accept every body. Compiled validators are kept
 * by the schema's content.
 *
 * ajv runs `pattern` with JavaScript's backtracking engine, so a schema is also refused when
 * one of its regular expressions can backtrack catastrophically (recheck's verdict, in a worker
 * thread: see {@link RegexSafety}; "unknown" is refused too), when it nests deeper than
 * {@link MAX_SCHEMA_DEPTH}, or when it asks `uniqueItems` (quadratic) of an array that is not
 * bounded by `maxItems` ≤ {@link MAX_UNIQUE_ITEMS}. No linear-time engine builds here (re2 is a
 * native module), so unsafe patterns are refused rather than run.
 */
export class RequestSchemas {
  private readonly ajv = RequestSchemas.newAjv();
  private readonly compiled = new Map<string, ValidateFunction>();
  /** Stored schemas found unsafe (by content): their problem. */
  private readonly unsafe = new Map<string, string>();
  private readonly regexes = new RegexSafety();

  private static newAjv(): Ajv {
    return new Ajv({ allErrors: true, strict: true });
  }

  /** Why `schema` is not usable, or null when it is. */
  async problemWith(schema: Record<string, unknown>): Promise<string | null> {
    try {
      // A throwaway instance: a schema that fails half-way leaves nothing behind.
      RequestSchemas.newAjv().compile(schema);
    } catch (error) {
      return (error as Error).message;
    }
    const patterns: string[] = [];
    const structural = walk(schema, 0, patterns);
    if (structural) return structural;
    for (const pattern of patterns) {
      const verdict = await this.regexes.verdict(pattern, 'u');
      if (verdict === 'vulnerable')
        return `the pattern ${JSON.stringify(pattern.slice(0, 100))} can backtrack catastrophically (ReDoS); rewrite it without nested or overlapping repetition`;
      if (verdict !== 'safe')
        return `the pattern ${JSON.stringify(pattern.slice(0, 100))} could not be proven safe from catastrophic backtracking; simplify it`;
    }
    return null;
  }

  /**
   * Why `body` fails `schema`, or null when it passes. Throws {@link UnsafeStoredSchema} for a
   * stored schema that today's rules refuse (judged once per schema content).
   */
  async check(schema: Record<string, unknown>, body: unknown): Promise<string | null> {
    const key = createHash('sha256').update(JSON.stringify(schema)).digest('base64url');
    let validate = this.compiled.get(key);
    if (!validate) {
      const problem = this.unsafe.get(key) ?? (await this.problemWith(schema));
      if (problem) {
        if (this.unsafe.size >= 1000) this.unsafe.clear();
        this.unsafe.set(key, problem);
        throw new UnsafeStoredSchema(problem);
      }
      validate = this.ajv.compile(schema);
      // ajv keeps every compiled schema by object identity (and `$id`); we keep our own map.
      this.ajv.removeSchema(schema);
      if (this.compiled.size >= 1000) this.compiled.clear();
      this.compiled.set(key, validate);
    }
    if (validate(body)) return null;
    return this.ajv.errorsText(validate.errors, { dataVar: 'body' });
  }

  async close(): Promise<void> {
    await this.regexes.stop();
  }
}

/** Depth and `uniqueItems` rules; collects every regular expression (`pattern`, `patternProperties` keys). */
function walk(node: unknown, depth: number, patterns: string[]): string | null {
  if (depth > MAX_SCHEMA_DEPTH) return `it nests deeper than ${MAX_SCHEMA_DEPTH} levels`;
  if (Array.isArray(node)) {
    for (const item of node) {
      const problem = walk(item, depth + 1, patterns);
      if (problem) return problem;
    }
    return null;
  }
  if (!node || typeof node !== 'object') return null;
  const object = node as Record<string, unknown>;
  if (typeof object.pattern === 'string') patterns.push(object.pattern);
  if (object.patternProperties && typeof object.patternProperties === 'object' && !Array.isArray(object.patternProperties))
    patterns.push(...Object.keys(object.patternProperties));
  if (object.uniqueItems === true && !(typeof object.maxItems === 'number' && object.maxItems <= MAX_UNIQUE_ITEMS)) {
    return `uniqueItems needs maxItems of at most ${MAX_UNIQUE_ITEMS} on the same array (it compares every pair of items)`;
  }
  for (const value of Object.values(object)) {
    const problem = walk(value, depth + 1, patterns);
    if (problem) return problem;
  }
  return null;
}
