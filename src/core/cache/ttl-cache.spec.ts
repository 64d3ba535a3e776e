import { TtlCache } from './ttl-cache';

// A clock the spec moves by hand: no wall time, no fake timers.
const clock = () => {
  let t = 1_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
};

describe('TtlCache', () => {
  it('loads once within the ttl, again after it, and again after clear()', async () => {
    const time = clock();
    const cache = new TtlCache<string, number>(5_000, 100, time);
    let loads = 0;
    const load = async () => ++loads;
    expect(await cache.get('a', load)).toBe(1);
    expect(await cache.get('a', load)).toBe(1);
    time.advance(6_000);
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

  it('evicts the least recently used entry past maxEntries', async () => {
    const cache = new TtlCache<number, number>(5_000, 2);
    const loaded: number[] = [];
    const load = (k: number) => async () => (loaded.push(k), k);
    await cache.get(1, load(1));
    await cache.get(2, load(2));
    await cache.get(1, load(1)); // 1 is now the most recent
    await cache.get(3, load(3)); // evicts 2
    await cache.get(1, load(1));
    await cache.get(2, load(2));
    expect(loaded).toEqual([1, 2, 3, 2]);
  });

  it('shares one load between concurrent misses of a key', async () => {
    const cache = new TtlCache<string, number>(5_000);
    let loads = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const load = async () => {
      loads++;
      await gate;
      return 42;
    };
    const all = Promise.all(Array.from({ length: 20 }, () => cache.get('tenant', load)));
    release();
    expect(await all).toEqual(Array(20).fill(42));
    expect(loads).toBe(1);
  });

  it('does not keep a failed load', async () => {
    const cache = new TtlCache<string, number>(5_000);
    await expect(cache.get('a', async () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await cache.get('a', async () => 7)).toBe(7);
  });

  it('lets the loader shorten the ttl of its entry', async () => {
    const time = clock();
    const cache = new TtlCache<string, string>(30_000, 100, time);
    let loads = 0;
    const load = async () => ({ value: `v${++loads}`, ttlMs: 1_000 });
    expect(await cache.getWithTtl('jwt', load)).toBe('v1');
    time.advance(500);
    expect(await cache.getWithTtl('jwt', load)).toBe('v1');
    time.advance(1_000);
    expect(await cache.getWithTtl('jwt', load)).toBe('v2');
  });
});
