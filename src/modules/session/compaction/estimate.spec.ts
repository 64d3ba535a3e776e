import { estimateTokens } from './estimate';

describe('estimateTokens', () => {
  it('counts four characters per token, rounded', () => {
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens('abcd')).toBe(1);
    expect(estimateTokens('abcdef')).toBe(2);
    expect(estimateTokens('x'.repeat(40_000))).toBe(10_000);
    expect(estimateTokens(undefined)).toBe(0);
  });

  it('measures objects by their JSON text', () => {
    const value = { role: 'user', parts: [{ type: 'text', text: 'hello' }] };
    expect(estimateTokens(value)).toBe(Math.round(JSON.stringify(value).length / 4));
  });
});
