import { isOverflow, maxOutputTokens, usableTokens, type OverflowInput } from './overflow';

const usage = (input: number, output = 0, read = 0, write = 0, total?: number) => ({
  input,
  output,
  cache: { read, write },
  ...(total !== undefined ? { total } : {}),
});

describe('overflow maths', () => {
  it.each([
    // [description, limit, config, outputTokenMax, usable]
    ['context only, output capped at 32k', { context: 200_000, output: 64_000 }, {}, undefined, 168_000],
    ['context only, small output limit', { context: 128_000, output: 8_192 }, {}, undefined, 119_808],
    ['output limit 0 means 32k', { context: 100_000, output: 0 }, {}, undefined, 68_000],
    [
      'input limit reserves min(20k, maxOut)',
      { context: 400_000, input: 272_000, output: 128_000 },
      {},
      undefined,
      252_000,
    ],
    [
      'input limit with a small output limit',
      { context: 128_000, input: 100_000, output: 8_192 },
      {},
      undefined,
      91_808,
    ],
    [
      'configured reserve',
      { context: 400_000, input: 272_000, output: 128_000 },
      { reserved: 50_000 },
      undefined,
      222_000,
    ],
    ['deployment output cap', { context: 100_000, output: 64_000 }, {}, 16_000, 84_000],
    [
      'reserve larger than input clamps to 0',
      { context: 10_000, input: 5_000, output: 1_000 },
      { reserved: 9_000 },
      undefined,
      0,
    ],
    ['unknown context', { context: 0, output: 4_096 }, {}, undefined, 0],
  ])('%s', (_name, limit, config, outputTokenMax, usable) => {
    expect(usableTokens({ model: { limit }, config, outputTokenMax })).toBe(usable);
  });

  it('caps the output budget', () => {
    expect(maxOutputTokens({ context: 1, output: 100_000 })).toBe(32_000);
    expect(maxOutputTokens({ context: 1, output: 4_000 })).toBe(4_000);
    expect(maxOutputTokens({ context: 1, output: 0 }, 10_000)).toBe(10_000);
  });

  const model = { limit: { context: 200_000, output: 64_000 } }; // usable 168 000
  it.each<[string, OverflowInput, boolean]>([
    ['just below usable', { tokens: usage(100_000, 67_999), model }, false],
    ['exactly usable', { tokens: usage(100_000, 68_000), model }, true],
    ['cache reads and writes count', { tokens: usage(10_000, 1_000, 150_000, 7_000), model }, true],
    ['total wins over the parts', { tokens: usage(300_000, 0, 0, 0, 1_000), model }, false],
    ['total 0 falls back to the parts', { tokens: usage(170_000, 0, 0, 0, 0), model }, true],
    ['auto disabled', { tokens: usage(500_000), model, config: { auto: false } }, false],
    ['auto true', { tokens: usage(500_000), model, config: { auto: true } }, true],
    [
      'unknown context never overflows',
      { tokens: usage(5_000_000), model: { limit: { context: 0, output: 0 } } },
      false,
    ],
  ])('%s', (_name, input, expected) => {
    expect(isOverflow(input)).toBe(expected);
  });
});
