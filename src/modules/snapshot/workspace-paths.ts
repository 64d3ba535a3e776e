import { lstat, realpath, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';

// Paths handed to revert/restore come from stored parts; they are re-checked here so a bad row can never
// make us touch files outside the workspace or inside any `.git` folder.

/** Workspace-relative `/`-separated path, or undefined when `file` is outside the workspace or in a `.git` dir. */
export function toWorkspaceRelative(workspace: string, file: unknown): string | undefined {
  // NUL cannot be in a file name (and would end the argv entry early); a non-string is a tampered row.
  if (typeof file !== 'string' || !file || file.includes('\0')) return undefined;
  const absolute = path.resolve(workspace, file);
  const relative = path.relative(workspace, absolute);
  if (!relative || relative.startsWith('..') || path.isAbsolute(relative)) return undefined;
  const segments = relative.split(path.sep);
  if (segments.some((segment) => segment.toLowerCase() === '.git')) return undefined;
  return segments.join('/');
}

export function toAbsolute(workspace: string, relative: string): string {
  return path.join(workspace, ...relative.split('/'));
}

/**
 * Deletes one file or symlink (never a directory tree) and then any parent folders left empty, stopping at
 * the workspace root. Refuses when a parent resolves outside the workspace (a symlinked folder).
 */
export async function removeInsideWorkspace(workspace: string, relative: string): Promise<void> {
  const root = await realpath(workspace);
  const target = toAbsolute(workspace, relative);
  let parent: string;
  try {
    parent = await realpath(path.dirname(target));
  } catch {
    return; // parent folder already gone
  }
  if (parent !== root && !parent.startsWith(root + path.sep)) return;
  const stats = await lstat(target).catch(() => undefined);
  if (!stats || stats.isDirectory()) return;
  await rm(target, { force: true });
  let folder = path.dirname(target);
  while (folder !== workspace && folder.startsWith(workspace + path.sep)) {
    try {
      await rmdir(folder);
    } catch {
      break; // not empty (or not ours to remove)
    }
    folder = path.dirname(folder);
  }
}

export function chunk<T>(items: T[], size: number): T[][] {
  const batches: T[][] = [];
  for (let i = 0; i < items.length; i += size) batches.push(items.slice(i, i + size));
  return batches;
}
