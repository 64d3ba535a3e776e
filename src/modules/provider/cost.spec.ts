import fc from 'fast-check';
import { addCosts, computeStepCost, worstCaseCost } from './cost';
import type { ModelCost } from './models/catalogue.schema';

const sonnet: ModelCost = { input: 3, output: 15, cache: { read: 0.3, write: 3.75 } };
const geminiPro: ModelCost = {
  input: 1.25,
  output: 10,
  cache: { read: 0.31, write: 0 },
  experimentalOver200K: { input: 2.5, output: 15, cache: { read: 0.625, write: 0 } },
};

describe('computeStepCost', () => {
  it('splits cache out of input and reasoning out of output, billing reasoning at the output price', () => {
    // input 2000×3 + output 1000×15 + read 6000×0.3 + write 2000×3.75 + reasoning 500×15 = 37 800 µ$
    const r = computeStepCost(
      { input: 10_000, output: 1_500, reasoning: 500, cacheRead: 6_000, cacheWrite: 2_000 },
      sonnet,
    );
    expect(r.cost).toBe('0.0378');
    expect(r.costNumber).toBe(0.0378);
    expect(r.tokens).toEqual({
      total: 11_500,
      input: 2_000,
      output: 1_000,
      reasoning: 500,
      cache: { read: 6_000, write: 2_000 },
    });
    expect(r.tier).toBe('base');
  });

  it('is exact to the micro-dollar and below for tiny steps', () => {
    const nano: ModelCost = { input: 0.05, output: 0.4, cache: { read: 0.005, write: 0 } };
    // 210×0.05 + 257×0.4 + 1024×0.005 + 64×0.4 = 144.02 → $0.00014402
    expect(
      computeStepCost({ input: 1_234, output: 321, reasoning: 64, cacheRead: 1_024, cacheWrite: 0 }, nano).cost,
    ).toBe('0.00014402');
  });

  it('switches to the >200k price strictly above 200 000 input tokens (cache included)', () => {
    // 150 000×2.5 + 800×15 + 100 000×0.625 + 1 200×15 = 467 500 µ$
    const over = computeStepCost(
      { input: 250_000, output: 2_000, reasoning: 1_200, cacheRead: 100_000, cacheWrite: 0 },
      geminiPro,
    );
    expect(over).toMatchObject({ cost: '0.4675', tier: 'over200k' });
    // exactly 200 000: base price, 200 000×1.25 + 100×10 = 251 000 µ$
    expect(
      computeStepCost({ input: 200_000, output: 100, reasoning: 0, cacheRead: 0, cacheWrite: 0 }, geminiPro),
    ).toMatchObject({ cost: '0.251', tier: 'base' });
  });

  it('picks the highest context tier the input exceeds, ahead of the >200k price', () => {
    const tiered: ModelCost = {
      ...geminiPro,
      tiers: [
        { tier: { type: 'context', size: 128_000 }, input: 4, output: 20, cache: { read: 0.4, write: 5 } },
        { tier: { type: 'context', size: 256_000 }, input: 6, output: 30, cache: { read: 0.6, write: 7.5 } },
      ],
    };
    // 300 000 in: tier 256k → 300 000×6 + 1 000×30 = 1 830 000 µ$
    expect(
      computeStepCost({ input: 300_000, output: 1_000, reasoning: 0, cacheRead: 0, cacheWrite: 0 }, tiered),
    ).toMatchObject({ cost: '1.83', tier: 'context>256000' });
    // 150 000 in: tier 128k → 150 000×4 + 10×20 = 600 200 µ$
    expect(
      computeStepCost({ input: 150_000, output: 10, reasoning: 0, cacheRead: 0, cacheWrite: 0 }, tiered),
    ).toMatchObject({ cost: '0.6002', tier: 'context>128000' });
    expect(computeStepCost({ input: 100, output: 10, reasoning: 0, cacheRead: 0, cacheWrite: 0 }, tiered).tier).toBe(
      'base',
    );
  });

  it('clamps negative, fractional and non-finite counts and prices to safe values', () => {
    const r = computeStepCost(
      { input: -5, output: Number.NaN, reasoning: 10, cacheRead: Infinity, cacheWrite: 3 },
      { input: -1, output: Number.NaN, cache: { read: 1, write: 2 } },
    );
    expect(r.tokens).toEqual({ total: 0, input: 0, output: 0, reasoning: 0, cache: { read: 0, write: 3 } });
    expect(r.cost).toBe('0.000006');
    // cache larger than the reported input never yields a negative input
    expect(
      computeStepCost({ input: 100, output: 0, reasoning: 0, cacheRead: 80, cacheWrite: 50 }, sonnet).tokens.input,
    ).toBe(0);
    expect(computeStepCost({ input: 10, output: 10, reasoning: 0, cacheRead: 0, cacheWrite: 0 }, undefined).cost).toBe(
      '0',
    );
  });

  it('matches the formula computed in exact integer micro-units for any usage', () => {
    // Prices in whole cents per 1M tokens keep an exact integer reference: cost×1e8 = Σ tokens×cents.
    fc.assert(
      fc.property(
        fc.record({
          input: fc.nat(2_000_000),
          output: fc.nat(200_000),
          reasoning: fc.nat(100_000),
          cacheRead: fc.nat(1_000_000),
          cacheWrite: fc.nat(500_000),
        }),
        fc.record({ i: fc.nat(10_000), o: fc.nat(10_000), r: fc.nat(1_000), w: fc.nat(2_000) }),
        (u, cents) => {
          const cost: ModelCost = {
            input: cents.i / 100,
            output: cents.o / 100,
            cache: { read: cents.r / 100, write: cents.w / 100 },
          };
          const result = computeStepCost(u, cost);
          const t = result.tokens;
          const expected =
            BigInt(t.input) * BigInt(cents.i) +
            BigInt(t.output + t.reasoning) * BigInt(cents.o) +
            BigInt(t.cache.read) * BigInt(cents.r) +
            BigInt(t.cache.write) * BigInt(cents.w);
          const [whole, frac = ''] = result.cost.split('.');
          expect(BigInt(whole + frac.padEnd(8, '0'))).toBe(expected);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('addCosts', () => {
  it('sums without float drift and ignores junk', () => {
    expect(addCosts('0.1', '0.2')).toBe('0.3');
    expect(addCosts('0.00014402', 0.0378, undefined, '-1', '')).toBe('0.03794402');
  });
});

describe('worstCaseCost', () => {
  it('prices every input token at the dearest input-side price and every output token at the dearest output price', () => {
    // input at the cache-write price 3.75: 10 000×3.75 + 4 096×15 = 98 940 µ$
    expect(worstCaseCost(sonnet, 10_000, 4_096)).toBe('0.09894');
    // over-200k prices apply even to a small request: 1 000×2.5 + 100×15 = 4 000 µ$
    expect(worstCaseCost(geminiPro, 1_000, 100)).toBe('0.004');
    expect(worstCaseCost(undefined, 1_000, 100)).toBe('0');
  });

  it('is never below the real cost of a call within those counts', () => {
    fc.assert(
      fc.property(
        fc.nat(300_000),
        fc.nat(8_000),
        fc.nat(300_000),
        fc.nat(300_000),
        fc.nat(8_000),
        (input, output, read, write, reasoning) => {
          const cacheRead = Math.min(read, input);
          const cacheWrite = Math.min(write, input - cacheRead);
          const real = computeStepCost(
            { input, output, reasoning: Math.min(reasoning, output), cacheRead, cacheWrite },
            geminiPro,
          );
          return (
            Number(worstCaseCost(geminiPro, input, output)) >= Number(real.cost) &&
            Number(worstCaseCost(sonnet, input, output)) >=
              Number(computeStepCost({ input, output, reasoning: 0, cacheRead, cacheWrite }, sonnet).cost)
          );
        },
      ),
    );
  });
});
