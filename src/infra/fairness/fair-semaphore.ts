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
 * The share of slots a key may hold while other keys are busy. `shared` slots are split max-min fairly between the
 * busy keys: each other busy key keeps what it uses now (at least one slot, at most an equal share), the key may
 * hold the rest but never less than an equal share. A key counts as busy while it holds or waits for a slot, and
 * for `windowMs` after its last slot ended: a school whose students think between prompts keeps its place instead
 * of handing it back to a flood at every pause. A key alone is held only by the hard caps (work-conserving).
 */
export interface FairShare {
  shared: number;
  windowMs: number;
  now?: () => number;
}

/**
 * Slots shared by keys (schools) with a hard cap per key and in total (0: none), and a fair share between busy keys
 * (optional). A key at its limit waits; freed slots go to the waiting key holding the fewest (ties in turn), not to
 * whoever asked first, so one school's thousand queued loops do not stand in front of another school's first one.
 * Hand-written: it is scheduling policy, and the semaphore packages grant in arrival order.
 */
export class FairSemaphore {
  private readonly active = new Map<string, number>();
  private readonly waiting = new Map<string, Waiter[]>();
  /** Keys with waiters, in the order ties are served. */
  private readonly ring: string[] = [];
  /** When each key's last slot ended (keys holding none); only kept with a fair share. */
  private readonly lastUsed = new Map<string, number>();
  private total = 0;

  constructor(
    private readonly perKey: number,
    private readonly max: number,
    private readonly share?: FairShare,
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

  /** The most slots `key` may hold right now: its hard cap, and its fair share while other keys are busy. */
  limitFor(key: string): number {
    const hard = this.perKey > 0 ? this.perKey : Infinity;
    if (!this.share || this.share.shared <= 0) return hard;
    const others = this.otherBusyDemands(key);
    if (!others.length) return hard;
    const equal = Math.max(1, Math.floor(this.share.shared / (others.length + 1)));
    const reserved = others.reduce((sum, demand) => sum + Math.min(Math.max(demand, 1), equal), 0);
    return Math.min(hard, Math.max(equal, this.share.shared - reserved));
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
        // A key that stopped waiting may have been what held others to a smaller share.
        this.dispatch();
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

  /** Demand (held + waiting) of every busy key but `key`. */
  private otherBusyDemands(key: string): number[] {
    const out: number[] = [];
    const now = this.now();
    for (const [k, at] of this.lastUsed) {
      if (now - at > this.share!.windowMs) this.lastUsed.delete(k);
      else if (k !== key) out.push(0);
    }
    const keys = new Set([...this.active.keys(), ...this.waiting.keys()]);
    for (const k of keys) if (k !== key) out.push(this.activeFor(k) + this.waitingFor(k));
    return out;
  }

  private now(): number {
    return this.share?.now ? this.share.now() : Date.now();
  }

  private canRun(key: string): boolean {
    return this.activeFor(key) < this.limitFor(key) && (this.max <= 0 || this.total < this.max);
  }

  private take(key: string): () => void {
    this.active.set(key, this.activeFor(key) + 1);
    this.lastUsed.delete(key);
    this.total++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = this.activeFor(key) - 1;
      if (n > 0) this.active.set(key, n);
      else {
        this.active.delete(key);
        if (this.share && this.share.shared > 0) this.lastUsed.set(key, this.now());
      }
      this.total--;
      this.dispatch();
    };
  }

  /** Hands free slots to the waiting keys that may run, the one holding the fewest first (ties in ring order). */
  private dispatch(): void {
    while (this.ring.length) {
      if (this.max > 0 && this.total >= this.max) return;
      let best = -1;
      for (let i = 0; i < this.ring.length; i++) {
        const key = this.ring[i];
        if (!this.canRun(key)) continue;
        if (best < 0 || this.activeFor(key) < this.activeFor(this.ring[best])) best = i;
      }
      if (best < 0) return;
      const [key] = this.ring.splice(best, 1);
      const queue = this.waiting.get(key)!;
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
