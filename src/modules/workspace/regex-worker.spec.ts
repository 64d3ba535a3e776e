import { monitorEventLoopDelay } from 'node:perf_hooks';
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
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const started = Date.now();
    const ticks: number[] = [];
    const ticker = setInterval(() => ticks.push(Date.now()), 20);
    const line = 'a'.repeat(5_000) + '!';
    await expect(withRegexWorker('^(a+)+$', 400, (worker) => worker.lines(line))).rejects.toBeInstanceOf(
      RegexTimeoutError,
    );
    clearInterval(ticker);
    delay.disable();
    expect(Date.now() - started).toBeLessThan(3_000);
    // The loop kept ticking while the worker was stuck: no gap near the budget.
    expect(ticks.length).toBeGreaterThan(5);
    expect(delay.max / 1e6).toBeLessThan(200);
  });

  it('refuses oversized and invalid patterns before starting anything', () => {
    expect(() => checkRegex('a'.repeat(MAX_REGEX_LENGTH + 1))).toThrow(SyntaxError);
    expect(() => checkRegex('(')).toThrow(SyntaxError);
  });
});
