import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { BASE62, encodeBase62, randomBase62 } from './ids';

/**
 * Token values, byte by byte (GitHub style, so a leaked value is recognisable by scanners):
 *
 * ```
 * tsp_ 3Fq9...(40 chars)... 0aZ9kQ
 * ^^^^ ^^^^^^^^^^^^^^^^^^^^ ^^^^^^
 *  |    random: 40 base62 characters from the CSPRNG (≈238 bits)
 *  |                         checksum: CRC32 of everything before it, 6 base62 characters
 *  prefix: `ts` + one letter naming the kind, then `_`
 * ```
 *
 * 50 characters in all, matching {@link TOKEN_PATTERN}. Only an HMAC-SHA-256 of the value
 * (keyed by the server key) is stored for lookup, plus its first characters (`start`) for
 * display; values that must be revealable later are also stored AES-256-GCM encrypted.
 * A value with a Tessera prefix and a wrong checksum is rejected before any lookup.
 */
export const TOKEN_RANDOM_LENGTH = 40;
export const TOKEN_CHECKSUM_LENGTH = 6;
export const TOKEN_PATTERN = /^(ts[a-z])_([0-9A-Za-z]{46})$/;
/** How many characters of a value are kept in clear for display (`tsp_AbCd`). */
export const TOKEN_START_LENGTH = 8;

export interface GeneratedSecret {
  /** The whole value: shown once, never stored. */
  value: string;
  /** The first characters, stored for display. */
  start: string;
}

function checksumOf(body: string): string {
  return encodeBase62(crc32(body), TOKEN_CHECKSUM_LENGTH);
}

/** A new value with `prefix` (three lower-case letters starting with `ts`). */
export function generateToken(prefix: string): GeneratedSecret {
  if (!/^ts[a-z]$/.test(prefix)) throw new Error(`invalid token prefix ${prefix}`);
  const body = `${prefix}_${randomBase62(TOKEN_RANDOM_LENGTH)}`;
  const value = body + checksumOf(body);
  return { value, start: value.slice(0, TOKEN_START_LENGTH) };
}

/** A value of exactly `length` random alphanumerics, for formats that carry no prefix. */
export function generatePlainSecret(length: number): GeneratedSecret {
  const value = randomBase62(length);
  return { value, start: value.slice(0, 4) };
}

export type TokenShape =
  /** Tessera format with a valid checksum; `prefix` names the kind. */
  | { format: 'tessera'; prefix: string }
  /** Tessera prefix but the checksum does not match: a typo or a forgery, never looked up. */
  | { format: 'malformed' }
  /** Not Tessera format (a secondary endpoint token, an operator-chosen bootstrap token). */
  | { format: 'opaque' };

/** Classifies a presented value without touching storage. */
export function inspectToken(value: string): TokenShape {
  const match = TOKEN_PATTERN.exec(value);
  if (!match) {
    return /^ts[a-z]_/.test(value) ? { format: 'malformed' } : { format: 'opaque' };
  }
  const body = value.slice(0, value.length - TOKEN_CHECKSUM_LENGTH);
  const checksum = value.slice(value.length - TOKEN_CHECKSUM_LENGTH);
  // Not a secret comparison: the checksum is an unkeyed CRC of the presented value itself, which
  // anyone can compute, so timing reveals nothing (and `===` allocates no buffers on the hot path).
  if (checksum !== checksumOf(body)) return { format: 'malformed' };
  return { format: 'tessera', prefix: match[1] };
}

/** Compares two strings in time that depends only on their length. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

const CIPHER_VERSION = 'v1';

/**
 * Keyed hashing and encryption under the server key. Two sub-keys are derived with HKDF so
 * the lookup hash and the cipher never share key material.
 */
/** The only GCM tag length Tessera writes or accepts. */
export const GCM_TAG_BYTES = 16;

export class SecretBox {
  private readonly lookupKey: Buffer;
  private readonly cipherKey: Buffer;

  constructor(serverKey: Buffer) {
    if (serverKey.length !== 32) throw new Error('the server key must be 32 bytes');
    this.lookupKey = Buffer.from(hkdfSync('sha256', serverKey, Buffer.alloc(0), 'tessera lookup hash v1', 32));
    this.cipherKey = Buffer.from(hkdfSync('sha256', serverKey, Buffer.alloc(0), 'tessera value cipher v1', 32));
  }

  /** HMAC-SHA-256 of a value, base64url: what storage indexes and caches key on. */
  hash(value: string): string {
    return createHmac('sha256', this.lookupKey).update(value).digest('base64url');
  }

  /**
   * AES-256-GCM with a random 96-bit nonce. `context` (e.g. the owning record's id) is bound
   * as additional data, so a ciphertext copied to another record does not decrypt.
   */
  encrypt(plain: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.cipherKey, iv);
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [CIPHER_VERSION, iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
  }

  decrypt(sealed: string, context: string): string {
    const [version, iv, body, tag] = sealed.split('.');
    if (version !== CIPHER_VERSION || !iv || body === undefined || !tag) throw new Error('unreadable ciphertext');
    // The tag is pinned to 16 bytes: GCM would accept a truncated one (down to 4 bytes), which
    // makes forgeries cheap.
    const authTag = Buffer.from(tag, 'base64url');
    if (authTag.length !== GCM_TAG_BYTES) throw new Error('unreadable ciphertext');
    const decipher = createDecipheriv('aes-256-gcm', this.cipherKey, Buffer.from(iv, 'base64url'), { authTagLength: GCM_TAG_BYTES });
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(authTag);
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  }
}

export { BASE62 };
