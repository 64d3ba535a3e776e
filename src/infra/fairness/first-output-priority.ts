interface Start {
  tenantId: string;
  at: number;
}

interface Gate {
  tenantId: string;
  resolve(): void;
  timer: NodeJS.Timeout;
}

/**
 * A lighter school's first output goes before a heavier school's streams. Slots bound how much a school runs, not
 * when its callbacks run: on a process whose CPU is full, a school with thirty streams open answers a new prompt of
 * another school only between thirty streams' chunks. So, from a prompt's acceptance to its first streamed output,
 * every school running more loops than the prompt's school (a school with a prompt starting counts as one loop at
 * least) pauses between its streams' events and before new work. Bounded: a start has priority for `windowMs`
 * at most, so a prompt stuck elsewhere (a budget wait, a slow provider) holds nobody for longer.
 */
export class FirstOutputPriority {
  /** Prompts waiting for their first output, by session. */
  private readonly starts = new Map<string, Start>();
  private readonly gates = new Set<Gate>();

  constructor(
    private readonly windowMs: number,
    private readonly loopsOf: (tenantId: string) => number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Marks the session's prompt as starting; the returned end (idempotent) clears it if nothing was served yet. */
  start(tenantId: string, sessionId: string): () => void {
    if (this.windowMs <= 0) return () => undefined;
    const entry: Start = { tenantId, at: this.now() };
    this.starts.set(sessionId, entry);
    return () => {
      if (this.starts.get(sessionId) !== entry) return;
      this.starts.delete(sessionId);
      this.recheck();
    };
  }

  served(sessionId: string): void {
    if (this.starts.delete(sessionId)) this.recheck();
  }

  /** Undefined when `tenantId` may go on now, else a promise resolved once it may. */
  yieldTo(tenantId: string): Promise<void> | undefined {
    if (!this.starts.size) return undefined;
    const wait = this.behind(tenantId);
    if (wait <= 0) return undefined;
    return new Promise((resolve) => {
      const gate: Gate = {
        tenantId,
        resolve: () => {
          clearTimeout(gate.timer);
          this.gates.delete(gate);
          resolve();
        },
        timer: setTimeout(() => gate.resolve(), wait),
      };
      this.gates.add(gate);
    });
  }

  /** How long the longest priority that `tenantId` is behind lasts yet (0: none). */
  private behind(tenantId: string): number {
    const now = this.now();
    const mine = this.loopsOf(tenantId);
    let longest = 0;
    for (const [sessionId, s] of this.starts) {
      const left = s.at + this.windowMs - now;
      if (left <= 0) {
        this.starts.delete(sessionId);
        continue;
      }
      if (s.tenantId !== tenantId && Math.max(1, this.loopsOf(s.tenantId)) < mine) longest = Math.max(longest, left);
    }
    return longest;
  }

  private recheck(): void {
    for (const gate of this.gates) if (this.behind(gate.tenantId) <= 0) gate.resolve();
  }
}
