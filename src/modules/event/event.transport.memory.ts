import type { EventEnvelope, EventTransport } from './event.types';

/** Single-process transport (embedded mode): an in-memory ring as the replay window. */
export class MemoryEventTransport implements EventTransport {
  readonly shared = false;
  private readonly ring: EventEnvelope[] = [];
  private counter = 0;
  private handler?: (e: EventEnvelope) => void;

  constructor(private readonly capacity: number) {}

  async append(envelope: Omit<EventEnvelope, 'seq'>): Promise<string> {
    const seq = `${Date.now()}-${++this.counter}`;
    const full = { ...envelope, seq };
    if (this.capacity > 0) {
      this.ring.push(full);
      if (this.ring.length > this.capacity) this.ring.splice(0, this.ring.length - this.capacity);
    }
    this.handler?.(full);
    return seq;
  }

  async since(cursor: string, limit: number): Promise<EventEnvelope[]> {
    const after = parseSeq(cursor);
    if (!after) return [];
    const out: EventEnvelope[] = [];
    for (const e of this.ring) {
      if (compareSeq(parseSeq(e.seq)!, after) > 0) out.push(e);
      if (out.length >= limit) break;
    }
    return out;
  }

  async start(handler: (e: EventEnvelope) => void): Promise<void> {
    this.handler = handler;
  }

  async stop(): Promise<void> {
    this.handler = undefined;
  }

  async purge(match: (e: EventEnvelope) => boolean): Promise<number> {
    const kept = this.ring.filter((e) => !match(e));
    const removed = this.ring.length - kept.length;
    this.ring.splice(0, this.ring.length, ...kept);
    return removed;
  }
}

export function parseSeq(seq: string): [number, number] | undefined {
  const m = /^(\d{1,16})-(\d{1,16})$/.exec(seq);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

export function compareSeq(a: [number, number], b: [number, number]): number {
  return a[0] - b[0] || a[1] - b[1];
}
