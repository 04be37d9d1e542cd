import { randomBytes } from 'node:crypto';
import { generatePlainSecret, generateToken, inspectToken, SecretBox, TOKEN_PATTERN } from '../../src/core/secrets';
import { newId, isId } from '../../src/core/ids';
import { openBundle, sealBundle } from '../../src/modules/oauth/oauth-bundle';

describe('token values', () => {
  it('should carry the kind prefix, 40 random characters and a 6-character checksum', () => {
    const { value, start } = generateToken('tsp');
    expect(value).toMatch(TOKEN_PATTERN);
    expect(value).toHaveLength(50);
    expect(start).toBe(value.slice(0, 8));
    expect(inspectToken(value)).toEqual({ format: 'tessera', prefix: 'tsp' });
  });

  it('should never repeat a value', () => {
    const values = new Set(Array.from({ length: 2000 }, () => generateToken('tsw').value));
    expect(values.size).toBe(2000);
  });

  it('should recognise a value whose checksum is wrong as malformed', () => {
    const { value } = generateToken('tsp');
    const last = value[value.length - 1];
    const tampered = value.slice(0, -1) + (last === 'A' ? 'B' : 'A');
    expect(inspectToken(tampered)).toEqual({ format: 'malformed' });
    const typo = value.slice(0, 10) + (value[10] === 'x' ? 'y' : 'x') + value.slice(11);
    expect(inspectToken(typo)).toEqual({ format: 'malformed' });
    expect(inspectToken('tsp_short')).toEqual({ format: 'malformed' });
  });

  it('should treat values without a Tessera prefix as opaque', () => {
    expect(inspectToken(generatePlainSecret(64).value)).toEqual({ format: 'opaque' });
    expect(generatePlainSecret(64).value).toMatch(/^[0-9A-Za-z]{64}$/);
  });
});

describe('the secret box', () => {
  const box = new SecretBox(randomBytes(32));

  it('should hash the same value the same way and different values differently', () => {
    expect(box.hash('a')).toBe(box.hash('a'));
    expect(box.hash('a')).not.toBe(box.hash('b'));
    expect(new SecretBox(randomBytes(32)).hash('a')).not.toBe(box.hash('a'));
  });

  it('should decrypt what it encrypted, only with the same context', () => {
    const sealed = box.encrypt('the value', 'tok_1');
    expect(sealed).not.toContain('the value');
    expect(box.decrypt(sealed, 'tok_1')).toBe('the value');
    expect(() => box.decrypt(sealed, 'tok_2')).toThrow();
    expect(box.encrypt('the value', 'tok_1')).not.toBe(sealed);
  });

  it('should refuse a tampered ciphertext', () => {
    const sealed = box.encrypt('the value', 'ctx');
    const [version, iv, body, tag] = sealed.split('.');
    const flipped = Buffer.from(body, 'base64url');
    flipped[0] ^= 1;
    expect(() => box.decrypt([version, iv, flipped.toString('base64url'), tag].join('.'), 'ctx')).toThrow();
  });

  it('should refuse a truncated GCM tag, even the genuine tag cut short', () => {
    const sealed = box.encrypt('the value', 'ctx');
    const [version, iv, body, tag] = sealed.split('.');
    for (const length of [4, 8, 12, 15]) {
      const short = Buffer.from(tag, 'base64url').subarray(0, length).toString('base64url');
      expect(() => box.decrypt([version, iv, body, short].join('.'), 'ctx')).toThrow('unreadable ciphertext');
    }
    expect(box.decrypt(sealed, 'ctx')).toBe('the value');
  });
});

describe('sealed bundles', () => {
  it('should refuse a bundle whose GCM tag is truncated, even the genuine one cut short', async () => {
    const bundle = await sealBundle({ providers: [] }, 'a passphrase of some length');
    expect(await openBundle(bundle, 'a passphrase of some length')).toEqual({ providers: [] });
    const envelope = JSON.parse(Buffer.from(bundle.slice(bundle.indexOf('.') + 1), 'base64url').toString('utf8')) as { tag: string };
    const truncated = { ...envelope, tag: Buffer.from(envelope.tag, 'base64url').subarray(0, 4).toString('base64url') };
    const forged = bundle.slice(0, bundle.indexOf('.') + 1) + Buffer.from(JSON.stringify(truncated)).toString('base64url');
    expect(await openBundle(forged, 'a passphrase of some length')).toBeNull();
  });
});

describe('ids', () => {
  it('should be typed and sort by creation time', async () => {
    const first = newId('pat');
    await new Promise((resolve) => setTimeout(resolve, 2));
    const second = newId('pat');
    expect(isId(first, 'pat')).toBe(true);
    expect(isId(first, 'wft')).toBe(false);
    expect(first < second).toBe(true);
  });
});
