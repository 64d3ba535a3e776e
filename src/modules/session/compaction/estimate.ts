// The same rough measure OpenCode uses everywhere it has no tokenizer: four characters per token.
const CHARS_PER_TOKEN = 4;

export function estimateTokens(value: unknown): number {
  if (value === undefined || value === null) return 0;
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
  return Math.max(0, Math.round(text.length / CHARS_PER_TOKEN));
}
