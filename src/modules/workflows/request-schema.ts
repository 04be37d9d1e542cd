import { createHash } from 'node:crypto';
import Ajv, { type ValidateFunction } from 'ajv';

/**
 * JSON Schema checks for workflow start bodies, with ajv (a maintained, spec-complete validator
 * rather than hand-written rules). Strict mode refuses schemas with unknown keywords at
 * publishing time, so a typo cannot silently accept every body. Compiled validators are kept
 * by the schema's content.
 */
export class RequestSchemas {
  private readonly ajv = RequestSchemas.newAjv();
  private readonly compiled = new Map<string, ValidateFunction>();

  private static newAjv(): Ajv {
    return new Ajv({ allErrors: true, strict: true });
  }

  /** Why `schema` is not usable, or null when it is. */
  problemWith(schema: Record<string, unknown>): string | null {
    try {
      // A throwaway instance: a schema that fails half-way leaves nothing behind.
      RequestSchemas.newAjv().compile(schema);
      return null;
    } catch (error) {
      return (error as Error).message;
    }
  }

  /** Why `body` fails `schema`, or null when it passes. */
  check(schema: Record<string, unknown>, body: unknown): string | null {
    const key = createHash('sha256').update(JSON.stringify(schema)).digest('base64url');
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile(schema);
      // ajv keeps every compiled schema by object identity (and `$id`); we keep our own map.
      this.ajv.removeSchema(schema);
      if (this.compiled.size >= 1000) this.compiled.clear();
      this.compiled.set(key, validate);
    }
    if (validate(body)) return null;
    return this.ajv.errorsText(validate.errors, { dataVar: 'body' });
  }
}
