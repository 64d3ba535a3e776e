/**
 * Waits for `work` at most `ms` milliseconds and answers whether it settled (resolved or rejected) in time.
 * Shutdown steps use it so that one stuck dependency — a query waiting on a lock, a Redis client that never
 * answers QUIT, a child that ignores SIGTERM — cannot hold the process, or a test run, open forever: the caller
 * logs the laggard by name and forces what is left.
 */
export async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
    timer.unref();
  });
  try {
    return await Promise.race([
      work.then(
        () => true,
        () => true,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
