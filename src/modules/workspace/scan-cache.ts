import fs from 'node:fs/promises';
import { lstatSync, type Stats } from 'node:fs';
import { LRUCache } from 'lru-cache';

/**
 * A path changed this recently may change again within the file system's timestamp granularity without its ctime
 * moving (coarse clocks, some file systems keep seconds): a scan that saw such a path is not reused ("racy git").
 */
const RACY_MS = 2_000;

const stateOf = (st: Stats): string => `${st.ino}:${st.mode}:${st.size}:${st.ctimeMs}:${st.mtimeMs}`;

/** Why there is no inode: ENOENT/ENOTDIR are "missing", anything else (EACCES, ELOOP) is its own state. */
function failedState(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR' ? 'missing' : `error:${code}`;
}

/** The inode, or why there is none (failedState). */
async function lstatOrState(p: string): Promise<Stats | string> {
  try {
    return await fs.lstat(p);
  } catch (err) {
    return failedState(err);
  }
}

/**
 * lstatOrState's state, synchronously: the re-check of a cached scan is a handful of paths on every step of every
 * prompt, and one synchronous lstat of a cached inode costs a few µs where the promise form costs a thread-pool round
 * trip and tens of µs of this thread (bench/README, session 8). Same states as the asynchronous form.
 */
function lstatStateNow(p: string): string {
  try {
    const st = lstatSync(p, { throwIfNoEntry: false });
    return st ? stateOf(st) : 'missing';
  } catch (err) {
    return failedState(err);
  }
}

/**
 * What one scan of host folders looked at: every folder it listed and file it read, with the inode state it had
 * just before (or that it was missing). The scan's result holds as long as every one of them is still in that
 * state: a file written in place changes its ctime, a file added, removed or renamed changes its folder's.
 */
export class ScanWitness {
  private readonly seen = new Map<string, string>();
  private racy = false;

  constructor(private readonly now: () => number = Date.now) {}

  /** Call before listing or reading `absolute`: a change after this call then shows at the next check. */
  async observe(absolute: string): Promise<void> {
    const st = await lstatOrState(absolute);
    if (typeof st !== 'string' && Math.max(st.ctimeMs, st.mtimeMs) > this.now() - RACY_MS) this.racy = true;
    this.seen.set(absolute, typeof st === 'string' ? st : stateOf(st));
  }

  /** True when every path is as the scan saw it (one lstat each, stopping at the first change). */
  unchanged(): boolean {
    if (this.racy) return false;
    for (const [p, state] of this.seen) if (lstatStateNow(p) !== state) return false;
    return true;
  }
}

/**
 * Results of folder scans (skills, instruction files) per key, reused while their ScanWitness says nothing they
 * looked at changed: a prompt's step checks a handful of paths instead of walking folders and reading files.
 */
export class ScanCache<T> {
  private readonly lru: LRUCache<string, { value: T; witness: ScanWitness }>;

  constructor(
    maxEntries = 1000,
    private readonly now?: () => number,
  ) {
    this.lru = new LRUCache({ max: maxEntries });
  }

  async get(key: string, scan: (witness: ScanWitness) => Promise<T>): Promise<T> {
    const hit = this.lru.get(key);
    if (hit && hit.witness.unchanged()) return hit.value;
    const witness = new ScanWitness(this.now);
    const value = await scan(witness);
    this.lru.set(key, { value, witness });
    return value;
  }
}
