import { realpathSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { SandboxPathError } from './sandbox.errors';

export const HOST_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The environment the command sees: a fixed minimal set plus what the caller asks for. */
export function commandEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: HOST_PATH,
    HOME: '/tmp',
    TERM: 'dumb',
    LANG: 'C.UTF-8',
    // The workspace belongs to the sandbox uid or to the server; either way git should not refuse it.
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'safe.directory',
    GIT_CONFIG_VALUE_0: '*',
    ...extra,
  };
}

export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** Resolves the workspace and cwd to real paths and refuses a cwd outside the workspace. */
export function confine(workspaceRoot: string, cwd: string): { root: string; cwd: string } {
  if (!isAbsolute(workspaceRoot)) throw new SandboxPathError('Workspace root must be absolute', workspaceRoot);
  let root: string;
  let dir: string;
  try {
    root = realpathSync(workspaceRoot);
    dir = realpathSync(isAbsolute(cwd) ? cwd : join(root, cwd));
  } catch {
    throw new SandboxPathError('Working directory does not exist', cwd);
  }
  if (!isInside(root, dir)) throw new SandboxPathError('Working directory is outside the workspace', cwd);
  if (root === '/') throw new SandboxPathError('The workspace cannot be the file system root', workspaceRoot);
  // The workspace is bound read-write and handed to the sandbox uid: a system folder must never be one.
  if (SYSTEM_DIRS.some((system) => root === system || root.startsWith(`${system}/`))) {
    throw new SandboxPathError('The workspace cannot be a system folder', workspaceRoot);
  }
  return { root, cwd: dir };
}

const SYSTEM_DIRS = [
  '/usr',
  '/etc',
  '/bin',
  '/sbin',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
  '/proc',
  '/sys',
  '/dev',
  '/boot',
  '/root',
  '/run',
  '/var/lib',
  '/var/run',
];
