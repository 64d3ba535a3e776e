import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GitSnapshot } from '../snapshot.git';
import type { GitSnapshotOptions } from '../snapshot.types';

// Test-only helpers: temp workspaces and an exact fingerprint of their contents.

export interface Sandbox {
  workspace: string;
  snapshotRoot: string;
  snapshot(overrides?: Partial<GitSnapshotOptions>): GitSnapshot;
  write(relative: string, content: string | Buffer): string;
  link(relative: string, target: string): void;
  remove(relative: string): void;
  cleanup(): void;
}

export function createSandbox(): Sandbox {
  const base = mkdtempSync(path.join(os.tmpdir(), 'snapshot-spec-'));
  const workspace = path.join(base, 'workspace');
  const snapshotRoot = path.join(base, 'snapshots');
  mkdirSync(workspace);
  return {
    workspace,
    snapshotRoot,
    snapshot: (overrides = {}) =>
      new GitSnapshot({ snapshotRoot, tenantId: 'ten_a', projectId: 'prj_a', workspace, ...overrides }),
    write(relative, content) {
      const file = path.join(workspace, relative);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, content);
      return file;
    },
    link(relative, target) {
      const file = path.join(workspace, relative);
      mkdirSync(path.dirname(file), { recursive: true });
      rmSync(file, { force: true });
      symlinkSync(target, file);
    },
    remove(relative) {
      rmSync(path.join(workspace, relative), { force: true, recursive: true });
    },
    cleanup: () => rmSync(base, { recursive: true, force: true }),
  };
}

/** Every file and symlink under `root` (skipping a top-level `.git` unless asked) → content fingerprint. */
export function fingerprint(root: string, options: { includeGit?: boolean } = {}): Record<string, string> {
  const result: Record<string, string> = {};
  const walk = (folder: string, prefix: string) => {
    for (const name of readdirSync(folder)) {
      if (!prefix && name === '.git' && !options.includeGit) continue;
      const full = path.join(folder, name);
      const key = prefix + name;
      const stats = lstatSync(full);
      if (stats.isSymbolicLink()) result[key] = `link:${readlinkSync(full)}`;
      else if (stats.isDirectory()) walk(full, key + '/');
      else
        result[key] =
          `file:${stats.mode & 0o111 ? 'x' : '-'}:${createHash('sha256').update(readFileSync(full)).digest('hex')}`;
    }
  };
  walk(root, '');
  return result;
}

/** Runs plain git (isolated from any user config) and returns stdout. */
export function plainGit(cwd: string, args: string[], env: Record<string, string> = {}): string {
  return execFileSync('/usr/bin/git', ['-c', 'user.name=Spec', '-c', 'user.email=spec@example.test', ...args], {
    cwd,
    env: { PATH: '/usr/bin:/bin', HOME: cwd, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', ...env },
    encoding: 'utf8',
  });
}

/** Lists the paths stored in a snapshot tree. */
export function treeFiles(snapshot: GitSnapshot, tree: string): string[] {
  const out = plainGit(snapshot.workspace, ['ls-tree', '-r', '-z', '--name-only', tree], { GIT_DIR: snapshot.gitDir });
  return out.split('\0').filter(Boolean).sort();
}
