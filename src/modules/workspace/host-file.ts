// Files the server itself reads from a workspace on the host, outside any sandbox: ignore files, the
// workspace's `.git/info/exclude`, instruction files (AGENTS.md), skills. A student controls every byte of
// the tree, so such a read never follows a symbolic link (at any level below the root), never opens a FIFO or
// device (a FIFO would park a libuv thread forever; four of them stop every file operation of the server),
// refuses files with other hard-linked names, and is bounded in size.
import fs from 'node:fs/promises';
import path from 'node:path';
import { lstatOrUndefined, readVerified, specialFileError } from './workspace-io';
import { isInside, outsideError } from './workspace-path';

export interface HostReadOptions {
  maxBytes: number;
}

/**
 * The bytes of `relative` under `root`, or undefined when it does not exist. Throws a WorkspaceError
 * (SpecialFile, HardLink, TooLarge, Changed, OutsideWorkspace) for anything else than a plain regular file
 * reached without links.
 */
export async function readHostFile(
  root: string,
  relative: string,
  options: HostReadOptions,
): Promise<Buffer | undefined> {
  const realRoot = await fs.realpath(root);
  if (relative.includes('\0')) throw outsideError(relative);
  const target = path.resolve(realRoot, relative);
  if (target === realRoot || !isInside(realRoot, target)) throw outsideError(relative);
  const parent = path.dirname(target);
  let realParent: string;
  try {
    realParent = await fs.realpath(parent);
  } catch {
    return undefined;
  }
  // A folder on the way that is a link resolves elsewhere: refused even when the link stays inside.
  if (realParent !== parent) {
    const link = await lstatOrUndefined(parent);
    throw specialFileError(path.relative(realRoot, parent) || '.', link ?? (await fs.lstat(realParent)));
  }
  const st = await lstatOrUndefined(target);
  if (!st) return undefined;
  if (!st.isFile()) throw specialFileError(relative, st);
  // Opened with O_NOFOLLOW | O_NONBLOCK and checked again on the descriptor: a swap after the lstat is caught.
  return (await readVerified(target, realRoot, relative, { maxBytes: options.maxBytes, allowHardLinks: false })).data;
}

/** UTF-8 text of a host-side read; undefined when missing or refused (`onRefused` hears why). */
export async function readHostText(
  root: string,
  relative: string,
  options: HostReadOptions & { onRefused?: (error: unknown) => void },
): Promise<string | undefined> {
  try {
    return (await readHostFile(root, relative, options))?.toString('utf8');
  } catch (error) {
    options.onRefused?.(error);
    return undefined;
  }
}
