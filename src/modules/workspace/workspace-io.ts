// Low-level file access that re-checks confinement on the open descriptor, so a path swapped for a symlink
// (or a FIFO) between the path check and the open is still caught.
import { randomBytes } from 'node:crypto';
import { constants, existsSync, type Stats } from 'node:fs';
import fs, { type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { isInside } from './workspace-path';
import { WorkspaceError, WorkspaceErrorCode } from './workspace.errors';

const HAS_PROC_FD = process.platform === 'linux' && existsSync('/proc/self/fd');
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | (constants.O_NOCTTY ?? 0);
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

export function describeKind(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device file';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

export function specialFileError(display: string, st: Stats): WorkspaceError {
  return new WorkspaceError(
    WorkspaceErrorCode.SpecialFile,
    `Refused: "${display}" is ${describeKind(st)}, not a regular file.`,
    {
      path: display,
    },
  );
}

export function hardLinkError(display: string): WorkspaceError {
  return new WorkspaceError(
    WorkspaceErrorCode.HardLink,
    `Refused: "${display}" has more than one hard link. Files with several names may belong to another place, so they cannot be used here; copy the file instead.`,
    { path: display },
  );
}

export function changedError(display: string): WorkspaceError {
  return new WorkspaceError(
    WorkspaceErrorCode.Changed,
    `Refused: "${display}" changed while it was being opened (it became a link or moved outside the project).`,
    { path: display },
  );
}

export function notFoundError(display: string): WorkspaceError {
  return new WorkspaceError(WorkspaceErrorCode.NotFound, `File not found: ${display}`, { path: display });
}

export function tooLargeError(display: string, size: number, max: number): WorkspaceError {
  return new WorkspaceError(
    WorkspaceErrorCode.TooLarge,
    `Refused: "${display}" is ${size} bytes, over the ${max}-byte limit.`,
    { path: display, size, max },
  );
}

/** Confirms that an open descriptor refers to a file under `areaRoot`, using the kernel's view of it. */
async function verifyDescriptor(fh: FileHandle, expected: string, areaRoot: string, display: string): Promise<void> {
  if (HAS_PROC_FD) {
    const actual = await fs.readlink(`/proc/self/fd/${fh.fd}`);
    if (!isInside(areaRoot, actual)) throw changedError(display);
    return;
  }
  // Without /proc, the best available check is that the descriptor is still the inode the path names.
  const [opened, named] = await Promise.all([fh.stat(), fs.lstat(expected)]);
  if (opened.ino !== named.ino || opened.dev !== named.dev) throw changedError(display);
}

function mapOpenError(err: unknown, display: string): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return notFoundError(display);
  if (code === 'ELOOP') return changedError(display);
  if (code === 'ENXIO' || code === 'ENODEV') {
    return new WorkspaceError(WorkspaceErrorCode.SpecialFile, `Refused: "${display}" is not a regular file.`, {
      path: display,
    });
  }
  if (code === 'EISDIR') {
    return new WorkspaceError(WorkspaceErrorCode.NotAFile, `"${display}" is a directory, not a file.`, {
      path: display,
    });
  }
  return err;
}

export interface ReadOptions {
  maxBytes: number;
  allowHardLinks: boolean;
}

/** Reads a whole regular file at a resolved real path, refusing anything that is not one. */
export async function readVerified(
  real: string,
  areaRoot: string,
  display: string,
  opts: ReadOptions,
): Promise<{ data: Buffer; stat: Stats }> {
  let fh: FileHandle;
  try {
    fh = await fs.open(real, READ_FLAGS);
  } catch (err) {
    throw mapOpenError(err, display);
  }
  try {
    await verifyDescriptor(fh, real, areaRoot, display);
    const st = await fh.stat();
    if (st.isDirectory()) {
      throw new WorkspaceError(WorkspaceErrorCode.NotAFile, `"${display}" is a directory, not a file.`, {
        path: display,
      });
    }
    if (!st.isFile()) throw specialFileError(display, st);
    if (!opts.allowHardLinks && st.nlink > 1) throw hardLinkError(display);
    if (st.size > opts.maxBytes) throw tooLargeError(display, st.size, opts.maxBytes);
    // The size from fstat can be stale (a file still growing), so the read itself is bounded too.
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(1 << 20, opts.maxBytes + 1 - total));
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      chunks.push(buf.subarray(0, bytesRead));
      total += bytesRead;
      if (total > opts.maxBytes) throw tooLargeError(display, total, opts.maxBytes);
    }
    return { data: Buffer.concat(chunks, total), stat: st };
  } finally {
    await fh.close();
  }
}

/** lstat that answers undefined for a missing entry. */
export async function lstatOrUndefined(p: string): Promise<Stats | undefined> {
  try {
    return await fs.lstat(p);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}

/**
 * Creates the missing directories of `dir` one level at a time, checking after each step that the level
 * really is a directory under the root, so a concurrently planted symlink cannot redirect the creation.
 */
export async function mkdirInside(dir: string, root: string, display: string): Promise<void> {
  if (!isInside(root, dir)) throw changedError(display);
  const missing: string[] = [];
  let cur = dir;
  while (cur !== root) {
    const st = await lstatOrUndefined(cur);
    if (st) {
      if (!st.isDirectory()) {
        throw new WorkspaceError(
          WorkspaceErrorCode.NotADirectory,
          `Cannot create "${display}": a parent path is not a directory.`,
          {
            path: display,
          },
        );
      }
      break;
    }
    missing.unshift(cur);
    cur = path.dirname(cur);
  }
  for (const level of missing) {
    try {
      await fs.mkdir(level, { mode: 0o755 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const st = await fs.lstat(level);
    if (!st.isDirectory() || !isInside(root, await fs.realpath(level))) throw changedError(display);
  }
}

/**
 * Writes through a temporary sibling and renames it over the target: readers never see half a file, and
 * rename replaces the directory entry instead of writing through whatever the old name pointed to.
 */
export async function writeAtomic(
  real: string,
  areaRoot: string,
  display: string,
  data: Buffer,
  mode?: number,
  owner?: { uid: number; gid: number },
): Promise<void> {
  const dir = path.dirname(real);
  const tmp = path.join(dir, `.${path.basename(real).slice(0, 80)}.${randomBytes(6).toString('hex')}.tmp`);
  let fh: FileHandle;
  try {
    fh = await fs.open(tmp, CREATE_FLAGS, mode ?? 0o644);
  } catch (err) {
    throw mapOpenError(err, display);
  }
  let renamed = false;
  try {
    try {
      await verifyDescriptor(fh, tmp, areaRoot, display);
      if (mode !== undefined) await fh.chmod(mode);
      // Keep the replaced file's owner (e.g. the sandbox user) when we are allowed to; otherwise it stays ours.
      if (owner) await fh.chown(owner.uid, owner.gid).catch(() => undefined);
      await fh.writeFile(data);
    } finally {
      await fh.close();
    }
    // The parent must still be the directory we checked: a swap would make the rename land elsewhere.
    if (!isInside(areaRoot, await fs.realpath(dir))) throw changedError(display);
    await fs.rename(tmp, real);
    renamed = true;
  } finally {
    if (!renamed) await fs.rm(tmp, { force: true });
  }
}
