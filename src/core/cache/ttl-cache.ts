import { LRUCache } from 'lru-cache';

type Loaded<V> = { value: V; ttlMs?: number };

/**
 * A per-process cache over lru-cache: entries expire after `ttlMs` (or the ttl a loader returns), the least
 * recently used go first past `maxEntries`, and concurrent misses of one key share one load (lru-cache's fetch),
 * so a burst of prompts of one tenant reads its settings once. Values may be `undefined` (boxed inside).
 */
export class TtlCache<K extends NonNullable<unknown>, V> {
  private readonly lru: LRUCache<K, { value: V }, () => Promise<Loaded<V>>>;

  constructor(ttlMs: number, maxEntries = 2000, clock?: { now(): number }) {
    this.lru = new LRUCache<K, { value: V }, () => Promise<Loaded<V>>>({
      max: maxEntries,
      ttl: ttlMs,
      // A clock read at every check (lru-cache otherwise reuses one reading for 1 ms); specs pass their own.
      ttlResolution: 0,
      ...(clock ? { perf: clock } : {}),
      // clear()/delete() while a load is in flight: the caller still gets its answer (as before lru-cache).
      ignoreFetchAbort: true,
      fetchMethod: async (_key, _stale, { options, context }) => {
        const loaded = await context();
        if (loaded.ttlMs !== undefined) options.ttl = Math.max(1, loaded.ttlMs);
        return { value: loaded.value };
      },
    });
  }

  /** The cached value, or `load()`'s (one load for concurrent callers), kept for the next `ttlMs`. */
  async get(key: K, load: () => Promise<V>): Promise<V> {
    return this.getWithTtl(key, async () => ({ value: await load() }));
  }

  /** Same, with a ttl chosen by the loader (e.g. no longer than a token's expiry). */
  async getWithTtl(key: K, load: () => Promise<Loaded<V>>): Promise<V> {
    const boxed = await this.lru.fetch(key, { context: load });
    return boxed!.value;
  }

  delete(key: K): void {
    this.lru.delete(key);
  }

  clear(): void {
    this.lru.clear();
  }
}
