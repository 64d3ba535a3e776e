/** The error a waiting acquire rejects with when its signal aborts. */
export class SlotWaitAborted extends Error {
  constructor() {
    super('Aborted while waiting for a slot');
    this.name = 'AbortError';
  }
}

interface Waiter {
  grant(): void;
  reject(err: Error): void;
}

/**
 * Slots shared by keys (schools) with a cap per key and a cap in total (0: none). A key at its cap waits; when the
 * total is full, freed slots go to the waiting keys in turn (round-robin), not to whoever asked first, so one
 * school's thousand queued calls do not stand in front of another school's one. Hand-written: it is a dozen lines
 * of scheduling policy, and the semaphore packages grant in arrival order.
 */
export class FairSemaphore {
  private readonly active = new Map<string, number>();
  private readonly waiting = new Map<string, Waiter[]>();
  /** Keys with waiters, in the order they are served next. */
  private readonly ring: string[] = [];
  private total = 0;

  constructor(
    private readonly perKey: number,
    private readonly max: number,
  ) {}

  get inUse(): number {
    return this.total;
  }

  activeFor(key: string): number {
    return this.active.get(key) ?? 0;
  }

  waitingFor(key: string): number {
    return this.waiting.get(key)?.length ?? 0;
  }

  /** Resolves with the slot's release (idempotent) once the key may run; rejects if `signal` aborts first. */
  acquire(key: string, signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(new SlotWaitAborted());
    if (!this.waiting.has(key) && this.canRun(key)) return Promise.resolve(this.take(key));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(this.take(key));
        },
        reject,
      };
      const onAbort = () => {
        const queue = this.waiting.get(key);
        const i = queue?.indexOf(waiter) ?? -1;
        if (i < 0) return;
        queue!.splice(i, 1);
        if (!queue!.length) this.forget(key);
        reject(new SlotWaitAborted());
        // A waiter that left may have been what kept other keys behind it in the ring: nothing changes for them.
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const queue = this.waiting.get(key);
      if (queue) queue.push(waiter);
      else {
        this.waiting.set(key, [waiter]);
        this.ring.push(key);
      }
    });
  }

  private canRun(key: string): boolean {
    return (this.perKey <= 0 || this.activeFor(key) < this.perKey) && (this.max <= 0 || this.total < this.max);
  }

  private take(key: string): () => void {
    this.active.set(key, this.activeFor(key) + 1);
    this.total++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = this.activeFor(key) - 1;
      if (n > 0) this.active.set(key, n);
      else this.active.delete(key);
      this.total--;
      this.dispatch();
    };
  }

  /** Hands free slots to waiting keys, one per key per turn of the ring. */
  private dispatch(): void {
    let skipped = 0;
    while (this.ring.length && skipped < this.ring.length) {
      if (this.max > 0 && this.total >= this.max) return;
      const key = this.ring.shift()!;
      const queue = this.waiting.get(key)!;
      if (!this.canRun(key)) {
        this.ring.push(key);
        skipped++;
        continue;
      }
      skipped = 0;
      const waiter = queue.shift()!;
      if (queue.length) this.ring.push(key);
      else this.waiting.delete(key);
      waiter.grant();
    }
  }

  private forget(key: string): void {
    this.waiting.delete(key);
    const i = this.ring.indexOf(key);
    if (i >= 0) this.ring.splice(i, 1);
  }
}
