import { MAX_JSON_DEPTH, refuseDeepJson } from './json-depth';

const check = (text: string) => () => refuseDeepJson(undefined, undefined, Buffer.from(text));

describe('refuseDeepJson', () => {
  it('accepts JSON up to the depth limit, with brackets inside strings not counted', () => {
    expect(check('['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH))).not.toThrow();
    expect(check(JSON.stringify({ text: '[[[['.repeat(1000), quoted: 'a\\"[[[' }))).not.toThrow();
  });

  it('refuses deeper arrays and objects with a 400', () => {
    expect(check('['.repeat(MAX_JSON_DEPTH + 1) + ']'.repeat(MAX_JSON_DEPTH + 1))).toThrow(/nested deeper/);
    expect(check('{"a":'.repeat(5000) + '1' + '}'.repeat(5000))).toThrow(expect.objectContaining({ status: 400 }));
  });
});
