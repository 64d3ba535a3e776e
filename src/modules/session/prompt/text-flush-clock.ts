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
