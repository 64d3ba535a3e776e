import { settles } from '../../../test/utils/wait-until';
import { checkRegex, MAX_REGEX_LENGTH, RegexTimeoutError, withRegexWorker } from './regex-worker';

describe('RegexWorker', () => {
  it('finds matching lines and match spans off the main thread', async () => {
    const result = await withRegexWorker('b+', 5_000, async (worker) => ({
      lines: await worker.lines('abc\nxyz\nbb'),
      spans: await worker.submatches(['abbcb', 'x']),
    }));
    expect(result.lines).toEqual([0, 2]);
    expect(result.spans).toEqual([
      [
        { text: 'bb', start: 1, end: 3 },
        { text: 'b', start: 4, end: 5 },
      ],
      [],
    ]);
  });

  it('stops a catastrophic pattern at its budget without holding the event loop', async () => {
    const ticks: number[] = [];
    const ticker = setInterval(() => ticks.push(Date.now()), 20);
    const line = 'a'.repeat(5_000) + '!';
    // Structural proof, not timing: the budget is a timer on this thread, so RegexTimeoutError can only arrive if
    // the event loop stayed free while the pattern ran (on this thread it would never return), and the ticker ran
    // meanwhile. How long the loop is held is measured in bench/, never asserted (a loaded machine stretches it).
    await expect(
      settles(
        'the catastrophic pattern',
        withRegexWorker('^(a+)+$', 400, (worker) => worker.lines(line)),
      ),
    ).rejects.toBeInstanceOf(RegexTimeoutError);
    clearInterval(ticker);
    expect(ticks.length).toBeGreaterThan(0);
  });

  it('refuses oversized and invalid patterns before starting anything', () => {
    expect(() => checkRegex('a'.repeat(MAX_REGEX_LENGTH + 1))).toThrow(SyntaxError);
    expect(() => checkRegex('(')).toThrow(SyntaxError);
  });
});
