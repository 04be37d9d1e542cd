import { encodeBase62, isId, newId } from '../../src/core/ids';
// The modules declare their prefixes (type-level augmentations of IdPrefixes).
import '../../src/modules';

describe('typed ids', () => {
  it('should make ids of a declared prefix, time-sortable and of one shape', () => {
    const first = newId('pat');
    const second = newId('pat');
    expect(isId(first, 'pat')).toBe(true);
    expect(first.length).toBe('pat_'.length + 22);
    expect([second, first].sort()[0] <= second).toBe(true);
  });

  it('should refuse an undeclared prefix at compile time', () => {
    // `npm run typecheck` fails if this line compiles: a typo in a prefix is a compile error.
    // @ts-expect-error 'pta' is not a declared id prefix
    const typo = newId('pta');
    expect(typo.startsWith('pta_')).toBe(true);
  });
});

describe('base62', () => {
  it('encodes a number as it encodes the same BigInt, digit for digit', () => {
    const reference = (value: bigint, width: number) => {
      let out = '';
      for (let rest = value; rest > 0n; rest /= 62n) out = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'[Number(rest % 62n)] + out;
      return out.padStart(width, '0');
    };
    const values = [0, 1, 61, 62, 3843, 3844, 2 ** 32 - 1, 1_733_400_000_000, Number.MAX_SAFE_INTEGER];
    for (let i = 0; i < 1000; i += 1) values.push(Math.floor(Math.random() * 2 ** 32));
    for (const value of values) {
      expect(encodeBase62(value, 6)).toBe(reference(BigInt(value), 6));
      expect(encodeBase62(BigInt(value), 8)).toBe(reference(BigInt(value), 8));
    }
    // Past the safe integers, BigInt arithmetic.
    expect(encodeBase62(2n ** 64n, 1)).toBe(reference(2n ** 64n, 1));
    expect(encodeBase62(2 ** 60, 1)).toBe(reference(2n ** 60n, 1));
  });
});
