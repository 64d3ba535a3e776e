import { setTimeout as delay } from 'node:timers/promises';

// The one way tests wait for a fact (an event seen, a row present, a process exited): poll a probe until it
// holds, bounded by a deadline, and fail with a message that names what was awaited and the last value seen.
// Never a bare sleep as synchronisation: a loaded CI machine stretches time, not facts.

export interface WaitOptions {
  /** Upper bound; generous on purpose: it only matters when the fact never comes. */
  timeoutMs?: number;
  /** Pause between probes. */
  everyMs?: number;
}

export class WaitTimeoutError extends Error {
  constructor(what: string, timeoutMs: number, last: unknown) {
    super(`waited ${timeoutMs} ms for ${what}; last seen: ${describe(last)}`);
    this.name = 'WaitTimeoutError';
  }
}

function describe(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  try {
    return (JSON.stringify(value) ?? String(value)).slice(0, 500);
  } catch {
    return String(value).slice(0, 500);
  }
}

/**
 * Polls `probe` until `ok(value)` holds (default: the value is truthy) and returns that value. A probe that throws
 * counts as "not yet"; its error is reported if the deadline passes.
 */
export async function waitUntil<T>(
  what: string,
  probe: () => T | Promise<T>,
  ok: (value: T) => boolean = (value) => Boolean(value),
  { timeoutMs = 20_000, everyMs = 25 }: WaitOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      last = value;
      if (ok(value)) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() >= deadline) throw new WaitTimeoutError(what, timeoutMs, last);
    await delay(everyMs);
  }
}

/** Resolves with the first item pushed to `list` (now or later) that matches; a bounded wait with a clear message. */
export function waitForItem<T>(
  what: string,
  list: readonly T[],
  match: (item: T) => boolean,
  options?: WaitOptions,
): Promise<T> {
  return waitUntil(
    what,
    () => list.find(match),
    (found) => found !== undefined,
    options,
  ) as Promise<T>;
}

/**
 * For "does not hang" facts: settles as `work` settles, or fails with a message naming `what` when `work` has not
 * settled within `timeoutMs`. The bound is generous on purpose (well over 10× the normal time, below Jest's test
 * timeout so this message wins): a loaded machine stretches time, so only a real hang can fail it. How fast the
 * operation normally is belongs in bench/, never in an assertion.
 */
export async function settles<T>(what: string, work: Promise<T>, { timeoutMs = 30_000 }: WaitOptions = {}): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new WaitTimeoutError(`${what} to settle (it hangs)`, timeoutMs, 'pending')),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([work, bound]);
  } finally {
    clearTimeout(timer);
  }
}
