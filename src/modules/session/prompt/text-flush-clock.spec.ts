import { storeDue, stored } from './text-flush-clock';

// Which streaming parts a tick of the flush clock (every 500 ms) stores: a short text every tick, a long one less
// often in proportion to its length, so a long answer's periodic rewrites cost the database no more per second.

describe('storeDue', () => {
  let now = 1_000_000;
  beforeEach(() => jest.spyOn(performance, 'now').mockImplementation(() => now));
  afterEach(() => jest.restoreAllMocks());

  /** The ticks (of `ticks`, 500 ms apart) on which a part of `length` characters is stored. */
  function storedOn(length: number, ticks: number): number[] {
    const part = { text: 'x'.repeat(length) };
    const on: number[] = [];
    for (let t = 0; t < ticks; t++) {
      now += 500 + (t % 3) * 7; // a tick runs a little late now and then
      if (!storeDue(part)) continue;
      on.push(t);
      now += 20; // the store's round trip
      stored([part]);
    }
    return on;
  }

  it('stores a part never stored at once, and a short one on every tick', () => {
    expect(storedOn(10, 6)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(storedOn(16_384, 6)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('stores a long text less often, in proportion to its length', () => {
    // 32 KiB: every second tick (1 s); 64 KiB: every fourth (2 s).
    expect(storedOn(32_768, 9)).toEqual([0, 2, 4, 6, 8]);
    expect(storedOn(65_536, 9)).toEqual([0, 4, 8]);
  });
});
