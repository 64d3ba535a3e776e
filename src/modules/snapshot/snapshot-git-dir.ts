import { existsSync } from 'node:fs';
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runGit } from './git-process';
import { SnapshotError, SnapshotErrorCode } from './snapshot.errors';
import type { GitSnapshotOptions } from './snapshot.types';

const SAFE_SEGMENT = /^[A-Za-z0-9_-]{1,128}$/;
const LOCK_RETRIES = 8;
const LOCK_RETRY_MS = 25;

// Applied on every call as well as persisted, so a hand-edited config cannot change snapshot behaviour.
const CONFIG: [string, string][] = [
  ['core.autocrlf', 'false'],
  ['core.symlinks', 'true'],
  ['core.fsmonitor', 'false'],
  ['core.longpaths', 'true'],
  ['core.hooksPath', '/dev/null'],
  ['core.quotepath', 'false'],
  ['gc.auto', '0'],
];
const CONFIG_FLAGS = CONFIG.flatMap(([key, value]) => ['-c', `${key}=${value}`]);

// Workspace .gitattributes could ask for eol conversion or clean/smudge filters; snapshots must restore
// bytes exactly, so the snapshot repo overrides them (info/attributes beats every other attributes file).
const ATTRIBUTES = '* -text -filter -ident -working-tree-encoding\n';

/**
 * The snapshot repository of one workspace, `<snapshotRoot>/<tenantId>/<projectId>`, and the one way git is run
 * on it: a minimal explicit environment, the fixed config on every call, host-tool's timeout, lock retries.
 */
export class SnapshotGitDir {
  readonly gitDir: string;
  readonly workspace: string;
  readonly timeoutMs: number;
  private readonly homeDir: string;
  private readonly env: Record<string, string>;
  private readonly binary: string;
  private ready = false;

  constructor(options: GitSnapshotOptions) {
    if (!SAFE_SEGMENT.test(options.tenantId) || !SAFE_SEGMENT.test(options.projectId)) {
      throw new SnapshotError('tenant and project ids must be plain path segments', SnapshotErrorCode.InvalidLocation);
    }
    if (!path.isAbsolute(options.workspace) || !path.isAbsolute(options.snapshotRoot)) {
      throw new SnapshotError('workspace and snapshot root must be absolute paths', SnapshotErrorCode.InvalidLocation);
    }
    this.workspace = path.resolve(options.workspace);
    this.gitDir = path.join(path.resolve(options.snapshotRoot), options.tenantId, options.projectId);
    this.homeDir = path.join(path.resolve(options.snapshotRoot), '.git-home');
    this.binary = options.gitBinary ?? '/usr/bin/git';
    this.timeoutMs = options.timeoutMs ?? 30_000;
    // An explicit, minimal environment: nothing from the server's env (secrets, GIT_* overrides) leaks in.
    this.env = {
      PATH: options.searchPath ?? '/usr/local/bin:/usr/bin:/bin',
      HOME: this.homeDir,
      XDG_CONFIG_HOME: this.homeDir,
      GIT_DIR: this.gitDir,
      GIT_WORK_TREE: this.workspace,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_TERMINAL_PROMPT: '0',
      GIT_OPTIONAL_LOCKS: '0',
      GIT_LITERAL_PATHSPECS: '1',
      LC_ALL: 'C',
    };
  }

  async ensure(): Promise<void> {
    if (this.ready) return;
    if (!existsSync(path.join(this.gitDir, 'HEAD'))) {
      await mkdir(this.gitDir, { recursive: true });
      await mkdir(this.homeDir, { recursive: true });
      // No template: no sample hooks, no description file, nothing the workspace owner did not ask for.
      await this.git(['init', '--quiet', '--template=']);
      const lines = [
        '[core]',
        ...CONFIG.filter(([key]) => key.startsWith('core.')).map(([key, value]) => `\t${key.slice(5)} = ${value}`),
        '[gc]',
        '\tauto = 0',
        '',
      ];
      await appendFile(path.join(this.gitDir, 'config'), lines.join('\n'));
    }
    await mkdir(path.join(this.gitDir, 'info'), { recursive: true });
    await mkdir(this.homeDir, { recursive: true });
    await writeFile(path.join(this.gitDir, 'info', 'attributes'), ATTRIBUTES);
    this.ready = true;
  }

  async git(args: string[], input?: string, okCodes?: number[]) {
    const options = {
      binary: this.binary,
      cwd: this.workspace,
      env: this.env,
      timeoutMs: this.timeoutMs,
      input,
      okCodes,
    };
    for (let attempt = 1; ; attempt++) {
      try {
        return await runGit([...CONFIG_FLAGS, ...args], options);
      } catch (error) {
        // The in-process lock cannot see another worker process on the same dir; git's own lock file
        // then makes one of them fail fast, so wait briefly and try again.
        if (attempt >= LOCK_RETRIES || !isLockContention(error)) throw error;
        await sleep(LOCK_RETRY_MS * attempt);
      }
    }
  }
}

function isLockContention(error: unknown): boolean {
  const stderr = error instanceof SnapshotError ? String(error.details.stderr ?? '') : '';
  return stderr.includes('.lock') && stderr.includes('File exists');
}
