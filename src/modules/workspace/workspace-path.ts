import path from 'node:path';
import { WorkspaceError, WorkspaceErrorCode } from './workspace.errors';

/** True when `candidate` is `root` itself or lies below it (both absolute and normalised). */
export function isInside(root: string, candidate: string): boolean {
  if (candidate === root) return true;
  const prefix = root.endsWith(path.sep) ? root : root + path.sep;
  return candidate.startsWith(prefix);
}

/** `candidate` relative to `root` with forward slashes; '' for the root. Caller guarantees containment. */
export function relativeTo(root: string, candidate: string): string {
  const rel = path.relative(root, candidate);
  return path.sep === '/' ? rel : rel.split(path.sep).join('/');
}

/** The longest file name Linux file systems take, in bytes. */
const NAME_MAX = 255;

/**
 * Turns what a user or model typed into a normalised absolute path, without touching the disk.
 * `aliases` are other spellings of the root (the configured, non-realpath form) that get rebased onto it,
 * so `/data/ws/…` still works when `/data` is itself a symlink.
 */
export function lexicalResolve(root: string, input: string, aliases: readonly string[] = []): string {
  if (typeof input !== 'string') throw new WorkspaceError(WorkspaceErrorCode.InvalidPath, 'Path must be a string');
  if (input.includes('\0')) throw new WorkspaceError(WorkspaceErrorCode.InvalidPath, 'Path contains a NUL byte');
  if (input.length > 4096) throw new WorkspaceError(WorkspaceErrorCode.InvalidPath, 'Path is too long');
  // NAME_MAX: the file system answers a longer name with ENAMETOOLONG, which is the caller's mistake, not ours.
  for (const name of input.split('/'))
    if (Buffer.byteLength(name) > NAME_MAX)
      throw new WorkspaceError(WorkspaceErrorCode.InvalidPath, `Path has a name longer than ${NAME_MAX} bytes`);
  const trimmed = input.trim();
  if (trimmed === '' || trimmed === '.') return root;
  const absolute = path.isAbsolute(trimmed) ? path.resolve(trimmed) : path.resolve(root, trimmed);
  // PATH_MAX (4096 bytes with its NUL) on the root-joined path, for the same reason.
  if (Buffer.byteLength(absolute) >= 4096) throw new WorkspaceError(WorkspaceErrorCode.InvalidPath, 'Path is too long');
  for (const alias of aliases) {
    if (alias !== root && isInside(alias, absolute)) return path.join(root, path.relative(alias, absolute));
  }
  return absolute;
}

export function outsideError(input: string): WorkspaceError {
  return new WorkspaceError(
    WorkspaceErrorCode.OutsideWorkspace,
    `Access denied: "${input}" is outside the project folder. Only files inside the project can be used.`,
    { path: input },
  );
}
