import type { CompactionSettings, ModelLimit, TokenUsage } from './compaction.types';

/** Output budget assumed when a model declares none, and the cap on what we reserve for output. */
export const OUTPUT_TOKEN_MAX = 32_000;
/** Upper bound of the default head-room kept free below a model's input limit. */
export const COMPACTION_BUFFER = 20_000;

export interface OverflowInput {
  tokens: TokenUsage;
  model: { limit: ModelLimit };
  config?: CompactionSettings;
  /** Deployment-wide override of OUTPUT_TOKEN_MAX. */
  outputTokenMax?: number;
}

export function maxOutputTokens(limit: ModelLimit, outputTokenMax = OUTPUT_TOKEN_MAX): number {
  return Math.min(limit.output || outputTokenMax, outputTokenMax);
}

/** Tokens a request may hold before it must be compacted (0 when the model has no known context). */
export function usableTokens(input: Omit<OverflowInput, 'tokens'>): number {
  const { limit } = input.model;
  if (limit.context === 0) return 0;
  const maxOut = maxOutputTokens(limit, input.outputTokenMax);
  if (limit.input) {
    const reserved = input.config?.reserved ?? Math.min(COMPACTION_BUFFER, maxOut);
    return Math.max(0, limit.input - reserved);
  }
  return Math.max(0, limit.context - maxOut);
}

export function countTokens(tokens: TokenUsage): number {
  return tokens.total || tokens.input + tokens.output + (tokens.cache?.read ?? 0) + (tokens.cache?.write ?? 0);
}

export function isOverflow(input: OverflowInput): boolean {
  if (input.config?.auto === false) return false;
  // An unknown context size (0) means we cannot tell, so never compact on our own.
  if (input.model.limit.context === 0) return false;
  return countTokens(input.tokens) >= usableTokens(input);
}
