import { createCipheriv, createDecipheriv, randomBytes, scrypt as scryptCallback, type ScryptOptions } from 'node:crypto';

/**
 * The export bundle, byte by byte: `tob1.` then base64url of JSON
 * `{ kdf: { name: 'scrypt', N, r, p, salt }, iv, ciphertext, tag }`. The key is scrypt(passphrase,
 * salt) and the body is AES-256-GCM; a wrong passphrase, a changed parameter or an altered byte
 * all fail the tag check, so nothing of a bad bundle is ever read.
 */
const PREFIX = 'tob1.';
const AAD = Buffer.from('tessera oauth bundle v1');
const COST = { N: 2 ** 15, r: 8, p: 1 };
/** The largest scrypt cost a bundle may ask for: a forged header must not exhaust memory. */
const MAX_N = 2 ** 17;

function scrypt(passphrase: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCallback(passphrase, salt, 32, { ...options, maxmem: 256 * 1024 * 1024 }, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

export async function sealBundle(content: unknown, passphrase: string): Promise<string> {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const key = await scrypt(passphrase, salt, COST);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(AAD);
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(content), 'utf8'), cipher.final()]);
  const envelope = {
    kdf: { name: 'scrypt', ...COST, salt: salt.toString('base64url') },
    iv: iv.toString('base64url'),
    ciphertext: ciphertext.toString('base64url'),
    tag: cipher.getAuthTag().toString('base64url'),
  };
  return PREFIX + Buffer.from(JSON.stringify(envelope)).toString('base64url');
}

/** The bundle's content, or null when it cannot be opened (wrong passphrase, altered, not a bundle). */
export async function openBundle(bundle: string, passphrase: string): Promise<unknown> {
  try {
    if (!bundle.startsWith(PREFIX)) return null;
    const envelope = JSON.parse(Buffer.from(bundle.slice(PREFIX.length), 'base64url').toString('utf8')) as {
      kdf: { name: string; N: number; r: number; p: number; salt: string };
      iv: string;
      ciphertext: string;
      tag: string;
    };
    const { kdf } = envelope;
    if (kdf?.name !== 'scrypt' || !Number.isInteger(kdf.N) || kdf.N > MAX_N || kdf.r !== 8 || kdf.p !== 1) return null;
    // A 16-byte tag only: GCM would accept a truncated one (down to 4 bytes).
    const tag = Buffer.from(envelope.tag, 'base64url');
    if (tag.length !== 16) return null;
    const key = await scrypt(passphrase, Buffer.from(kdf.salt, 'base64url'), { N: kdf.N, r: kdf.r, p: kdf.p });
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(envelope.iv, 'base64url'), { authTagLength: 16 });
    decipher.setAAD(AAD);
    decipher.setAuthTag(tag);
    const plain = Buffer.concat([decipher.update(Buffer.from(envelope.ciphertext, 'base64url')), decipher.final()]);
    return JSON.parse(plain.toString('utf8')) as unknown;
  } catch {
    return null;
  }
}
