import type { Dirent } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { relativeTo } from './workspace-path';

export type EntryType = 'file' | 'directory' | 'symlink' | 'other';

export interface WalkEntry {
  name: string;
  absolute: string;
  /** Relative to the walk's root, forward slashes. */
  relative: string;
  type: EntryType;
  depth: number;
}

export interface WalkOptions {
  /** Return true to neither yield nor descend into a directory. */
  skipDir?: (entry: WalkEntry) => boolean;
  signal?: AbortSignal;
  maxDepth?: number;
}

export function entryType(d: Dirent): EntryType {
  if (d.isSymbolicLink()) return 'symlink';
  if (d.isDirectory()) return 'directory';
  if (d.isFile()) return 'file';
  return 'other';
}

/**
 * Depth-first walk below `start` that never follows symbolic links: a link is reported as a `symlink`
 * entry and not descended into, so a link to `/` or to another tenant cannot widen the walk.
 */
export async function* walk(base: string, start: string, opts: WalkOptions = {}): AsyncGenerator<WalkEntry> {
  const stack: { dir: string; depth: number }[] = [{ dir: start, depth: 0 }];
  while (stack.length > 0) {
    if (opts.signal?.aborted) return;
    const { dir, depth } = stack.pop()!;
    let dirents: Dirent[];
    try {
      dirents = await fs.readdir(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const subdirs: { dir: string; depth: number }[] = [];
    for (const d of dirents) {
      const absolute = path.join(dir, d.name);
      const entry: WalkEntry = {
        name: d.name,
        absolute,
        relative: relativeTo(base, absolute),
        type: entryType(d),
        depth,
      };
      if (entry.type === 'directory') {
        if (opts.skipDir?.(entry)) continue;
        yield entry;
        if (opts.maxDepth === undefined || depth < opts.maxDepth) subdirs.push({ dir: absolute, depth: depth + 1 });
      } else {
        yield entry;
      }
    }
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]);
  }
}

/** Sum of the apparent sizes of everything below `dir`, links counted as links. */
export async function diskUsage(dir: string, signal?: AbortSignal): Promise<number> {
  let total = 0;
  for await (const entry of walk(dir, dir, { signal })) {
    if (entry.type === 'directory') continue;
    try {
      total += (await fs.lstat(entry.absolute)).size;
    } catch {
      // Deleted between readdir and lstat: it no longer uses space.
    }
  }
  return total;
}
