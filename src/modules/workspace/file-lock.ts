// Serialises edits of one file inside this process, so two tool calls cannot interleave read-modify-write.
const tails = new Map<string, Promise<unknown>>();

export async function withFileLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const previous = tails.get(key) ?? Promise.resolve();
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const tail = previous.then(() => gate);
  tails.set(key, tail);
  try {
    await previous;
    return await fn();
  } finally {
    release();
    if (tails.get(key) === tail) tails.delete(key);
  }
}

/** Several files at once; keys are taken in sorted order so two callers can never wait on each other. */
export function withFileLocks<T>(keys: string[], fn: () => Promise<T>): Promise<T> {
  const sorted = [...new Set(keys)].sort();
  const run = (i: number): Promise<T> => (i === sorted.length ? fn() : withFileLock(sorted[i], () => run(i + 1)));
  return run(0);
}
