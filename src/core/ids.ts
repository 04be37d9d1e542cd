import { randomBytes } from 'node:crypto';

/** Digits, then upper, then lower case: ASCII order, so encoded numbers sort as strings. */
export const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * Encodes a non-negative integer in base62, left-padded to `width`. A safe integer is encoded
 * with number arithmetic (every BigInt step allocates: a checksum is encoded on every verify).
 */
export function encodeBase62(value: bigint | number, width: number): string {
  let out = '';
  if (typeof value === 'number' && Number.isSafeInteger(value)) {
    for (let rest = value; rest > 0; rest = Math.floor(rest / 62)) out = BASE62[rest % 62] + out;
  } else {
    for (let rest = BigInt(value); rest > 0n; rest /= 62n) out = BASE62[Number(rest % 62n)] + out;
  }
  return out.padStart(width, '0');
}

/**
 * `length` characters drawn uniformly from the base62 alphabet (rejection sampling, no modulo
 * bias), from the operating system's CSPRNG.
 */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248) out += BASE62[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

/**
 * Every id prefix there is, each declared where its records are made: core declares its own
 * here, and each module adds its own by augmenting this interface
 * (`declare module '../../core/ids' { interface IdPrefixes { pat: 'a personal access token' } }`).
 * An undeclared prefix at {@link newId} is a compile error; a prefix declared twice with two
 * meanings is one too.
 */
export interface IdPrefixes {
  ins: 'an instance of the server';
  aud: 'an audit entry';
}

/** A declared id prefix (see {@link IdPrefixes}). */
export type IdPrefix = keyof IdPrefixes;

/**
 * A typed, time-sortable id: `<prefix>_` + 8 base62 characters of milliseconds since the epoch
 * + 14 random ones (83 bits). Sorting ids as strings sorts them by creation time, so a list's
 * cursor is simply the id.
 */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${encodeBase62(BigInt(Date.now()), 8)}${randomBase62(14)}`;
}

const ID_PATTERN = /^[a-z]{2,8}_[0-9A-Za-z]{22}$/;

/** Whether `value` has the shape of an id made by {@link newId} with `prefix`. */
export function isId(value: string, prefix?: string): boolean {
  if (!ID_PATTERN.test(value)) return false;
  return prefix === undefined || value.startsWith(`${prefix}_`);
}
