import { TtlCache } from './ttl-cache';

describe('TtlCache', () => {
  afterEach(() => jest.useRealTimers());

  it('loads once within the ttl, again after it, and again after clear()', async () => {
    jest.useFakeTimers({ now: 1_000 });
    const cache = new TtlCache<string, number>(5_000);
    let loads = 0;
    const load = async () => ++loads;
    expect(await cache.get('a', load)).toBe(1);
    expect(await cache.get('a', load)).toBe(1);
    jest.setSystemTime(7_000);
    expect(await cache.get('a', load)).toBe(2);
    cache.clear();
    expect(await cache.get('a', load)).toBe(3);
  });

  it('keeps keys apart and caches undefined values', async () => {
    const cache = new TtlCache<string, string | undefined>(5_000);
    let loads = 0;
    expect(await cache.get('a', async () => (loads++, undefined))).toBeUndefined();
    expect(await cache.get('a', async () => (loads++, 'x'))).toBeUndefined();
    expect(await cache.get('b', async () => (loads++, 'y'))).toBe('y');
    expect(loads).toBe(2);
  });

  it('starts over past maxEntries', async () => {
    const cache = new TtlCache<number, number>(5_000, 2);
    for (const k of [1, 2, 3]) await cache.get(k, async () => k);
    let reloaded = false;
    await cache.get(4, async () => 4); // size 3 > 2: cleared, then 4 stored
    await cache.get(1, async () => ((reloaded = true), 1));
    expect(reloaded).toBe(true);
  });
});
