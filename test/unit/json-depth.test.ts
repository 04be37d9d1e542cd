import type { IncomingMessage, ServerResponse } from 'node:http';
import { refuseDeepJson } from '../../src/core/http';

describe('refuseDeepJson', () => {
  const check = (json: string, max = 3) => refuseDeepJson(max)({} as IncomingMessage, {} as ServerResponse, Buffer.from(json));

  it('should pass JSON up to the depth, counting brackets in strings and escapes as text', () => {
    expect(() => check('{"a":[{"b":1}]}')).not.toThrow();
    expect(() => check('{"a":"[[[[[[{{{{"}')).not.toThrow();
    expect(() => check('{"a":"\\"[[[[[[","b":[1]}')).not.toThrow();
    expect(() => check('[' + '1,'.repeat(1000) + '1]')).not.toThrow();
  });

  it('should refuse JSON nested deeper than the limit with a typed 400 error', () => {
    expect(() => check('[[[[1]]]]')).toThrow(expect.objectContaining({ status: 400, type: 'entity.too.deep' }));
    expect(() => check('{"a":{"b":{"c":{"d":1}}}}')).toThrow(/nested deeper than 3/);
    expect(() => refuseDeepJson()({} as IncomingMessage, {} as ServerResponse, Buffer.from('['.repeat(100_000) + ']'.repeat(100_000)))).toThrow(
      /nested deeper than 64/,
    );
  });
});
