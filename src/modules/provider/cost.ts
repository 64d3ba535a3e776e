import Decimal from 'decimal.js';
import type { ModelCost } from './models/catalogue.schema';
import type { Usage } from './provider.types';

// Exact per-step cost (OpenCode `Session.getUsage`): prices are per 1M tokens, arithmetic in decimals so
// summing thousands of steps never drifts.

const D = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_EVEN });
const MILLION = new D(1_000_000);
const OVER_200K = 200_000;

export interface StepTokens {
  total: number;
  /** Input not served from or written to cache. */
  input: number;
  /** Output excluding reasoning. */
  output: number;
  reasoning: number;
  cache: { read: number; write: number };
}

export interface StepCost {
  /** Exact decimal string in dollars, e.g. "0.0123456". */
  cost: string;
  costNumber: number;
  tokens: StepTokens;
  /** Which price applied: `base`, `over200k` or `context>N`. */
  tier: string;
}

function count(n: unknown): number {
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
}

function price(n: unknown): Decimal {
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? new D(n) : new D(0);
}

function pickPrices(
  cost: ModelCost,
  inputTokens: number,
): { prices: { input: number; output: number; cache: { read: number; write: number } }; tier: string } {
  const tiers = (cost.tiers ?? [])
    .filter((t) => t.tier.type === 'context' && inputTokens > t.tier.size)
    .sort((a, b) => b.tier.size - a.tier.size);
  if (tiers.length) return { prices: tiers[0], tier: `context>${tiers[0].tier.size}` };
  if (cost.experimentalOver200K && inputTokens > OVER_200K)
    return { prices: cost.experimentalOver200K, tier: 'over200k' };
  return { prices: cost, tier: 'base' };
}

/**
 * `usage` follows the provider contract (input includes cache, output includes reasoning). Reasoning is
 * billed at the output price; counts and prices that are negative or not finite count as 0.
 */
export function computeStepCost(usage: Usage, cost: ModelCost | undefined): StepCost {
  const inputTotal = count(usage.input);
  const outputTotal = count(usage.output);
  const reasoning = Math.min(count(usage.reasoning), outputTotal);
  const cacheRead = count(usage.cacheRead);
  const cacheWrite = count(usage.cacheWrite);
  const tokens: StepTokens = {
    total: inputTotal + outputTotal,
    input: Math.max(0, inputTotal - cacheRead - cacheWrite),
    output: outputTotal - reasoning,
    reasoning,
    cache: { read: cacheRead, write: cacheWrite },
  };
  if (!cost) return { cost: '0', costNumber: 0, tokens, tier: 'base' };
  const { prices, tier } = pickPrices(cost, inputTotal);
  const out = price(prices.output);
  const total = new D(tokens.input)
    .mul(price(prices.input))
    .plus(new D(tokens.output).mul(out))
    .plus(new D(cacheRead).mul(price(prices.cache?.read)))
    .plus(new D(cacheWrite).mul(price(prices.cache?.write)))
    .plus(new D(reasoning).mul(out))
    .div(MILLION);
  return { cost: total.toFixed(), costNumber: total.toNumber(), tokens, tier };
}

/** Sum decimal cost strings exactly (message and session totals). */
export function addCosts(...costs: (string | number | undefined)[]): string {
  return costs
    .reduce<Decimal>((sum, c) => {
      if (c === undefined || c === '') return sum;
      const value = new D(c);
      return value.isFinite() && value.gt(0) ? sum.plus(value) : sum;
    }, new D(0))
    .toFixed();
}

/**
 * The most a call can cost before it is made: every input token at the dearest input-side price (fresh input or
 * cache write) and every possible output token at the dearest output price, over all tiers, since which tier
 * applies depends on counts only the provider knows.
 */
export function worstCaseCost(cost: ModelCost | undefined, inputTokens: number, maxOutputTokens: number): string {
  if (!cost) return '0';
  const blocks = [cost, ...(cost.tiers ?? []), ...(cost.experimentalOver200K ? [cost.experimentalOver200K] : [])];
  const max = (pick: (b: (typeof blocks)[number]) => unknown) =>
    blocks.reduce<Decimal>((m, b) => Decimal.max(m, price(pick(b))), new D(0));
  const input = Decimal.max(
    max((b) => b.input),
    max((b) => b.cache?.write),
  );
  return new D(count(inputTokens))
    .mul(input)
    .plus(new D(count(maxOutputTokens)).mul(max((b) => b.output)))
    .div(MILLION)
    .toFixed();
}
