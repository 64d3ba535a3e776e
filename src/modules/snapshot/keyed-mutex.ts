// Serialises async work per key inside this process. Git takes its own index.lock, but two overlapping
// operations on one snapshot dir would fail on that lock instead of waiting, so callers queue here first.
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const current = previous.then(work, work);
    // The stored tail never rejects so one failure does not poison the queue.
    const tail = current.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    try {
      return await current;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** Number of keys with queued or running work. */
  get size(): number {
    return this.tails.size;
  }
}
