import fs from 'node:fs/promises';
import { lstatSync, type Stats } from 'node:fs';
import { LRUCache } from 'lru-cache';

/**
 * A path changed within its file system's timestamp granularity of the scan may change again without its ctime
 * moving, so a scan that saw one is not reused ("racy git"). File systems that keep whole seconds (FAT: two) get
 * 2 s. Those with sub-second times stamp from the kernel's coarse clock, one tick (≤ 10 ms at HZ=100) behind: 50 ms
 * covers them. A fixed 2 s made every step of a busy session scan again: an agent writing files in its project
 * root, or a school's folders made at its first prompt, kept the folders "recent" all along (bench/README, session 10).
 */
const RACY_COARSE_MS = 2_000;
const RACY_FINE_MS = 50;

/** How long after its last change a path's scan may not be reused: whole-second ctimes mean a coarse file system. */
export function racyWindowMs(st: Pick<Stats, 'ctimeMs'>): number {
  return st.ctimeMs % 1000 === 0 ? RACY_COARSE_MS : RACY_FINE_MS;
}

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
    if (typeof st !== 'string' && Math.max(st.ctimeMs, st.mtimeMs) > this.now() - racyWindowMs(st)) this.racy = true;
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
