import { isId, newId } from '../../src/core/ids';
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
