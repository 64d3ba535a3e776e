const FLUSH_MS = 500;

/**
 * One clock for the periodic text writes of every step streaming in this process: their writes fall in the same turn
 * of the event loop, where the writer sends them as one statement per school instead of one per session.
 */
const flushClock = new Set<() => void>();
let flushTimer: NodeJS.Timeout | undefined;
export function onFlushClock(tick: () => void): () => void {
  flushClock.add(tick);
  flushTimer ??= setInterval(() => {
    for (const t of flushClock) t();
  }, FLUSH_MS).unref();
  return () => {
    flushClock.delete(tick);
    if (flushClock.size || !flushTimer) return;
    clearInterval(flushTimer);
    flushTimer = undefined;
  };
}

/** Up to this many characters, a streaming part's text is stored on every tick of the clock. */
const SHORT_TEXT = 16_384;
/** When each streaming part's text was last stored (performance.now()). */
const storedAt = new WeakMap<object, number>();

/**
 * Whether a tick stores this streaming part. Each store makes Postgres read, edit and compress the part's whole value
 * again, so a long text is stored less often, in proportion to its length (64 KiB every 2 s): a long answer costs
 * the database the same each second as a short one, and a reload mid-answer still finds all but its last seconds.
 */
export function storeDue(part: { text: string }): boolean {
  const at = storedAt.get(part);
  const every = FLUSH_MS * Math.max(1, part.text.length / SHORT_TEXT);
  return at === undefined || performance.now() - at >= every - FLUSH_MS / 2;
}

/** The parts a tick stored. */
export function stored(parts: object[]): void {
  const now = performance.now();
  for (const part of parts) storedAt.set(part, now);
}
