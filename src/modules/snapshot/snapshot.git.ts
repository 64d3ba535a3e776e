import { existsSync } from 'node:fs';
import { appendFile, lstat, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTwoFilesPatch } from 'diff';
import { findGitReadProblem, MAX_GIT_PATTERN_BYTES, tooManyGlobstars } from '../workspace/git-readable';
import { readHostText } from '../workspace/host-file';
import { objectId } from './git-args';
import { runGit } from './git-process';
import {
  parseCatFileBatch,
  parseRawWithNumstat,
  splitNul,
  toExcludePattern,
  type TreeChange,
} from './git-output.parser';
import { KeyedMutex } from './keyed-mutex';
import { SnapshotError, SnapshotErrorCode } from './snapshot.errors';
import type { GitSnapshotOptions, SnapshotFileDiff, SnapshotPatch } from './snapshot.types';
import { chunk, removeInsideWorkspace, toAbsolute, toWorkspaceRelative } from './workspace-paths';

const TWO_MB = 2 * 1024 * 1024;
const BATCH = 100;
const EMPTY_SHA = /^0+$/;
const SUBMODULE_MODE = '160000';
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
// `checkout <rev> -- paths` has no `--end-of-options` in git 2.39; `--source=<rev>` cannot be read as an option.
const RESTORE_FROM = (hash: string) => ['restore', '--no-overlay', '--staged', '--worktree', `--source=${hash}`];

// Workspace .gitattributes could ask for eol conversion or clean/smudge filters; snapshots must restore
// bytes exactly, so the snapshot repo overrides them (info/attributes beats every other attributes file).
const ATTRIBUTES = '* -text -filter -ident -working-tree-encoding\n';
const EXCLUDE_HEADER = '# managed by opencode-api snapshots: workspace info/exclude + large untracked files\n';

// Shared by every instance so two GitSnapshot objects for one project still queue behind each other.
const locks = new KeyedMutex();

/** Git-backed snapshots of one workspace, stored outside it under `<snapshotRoot>/<tenantId>/<projectId>`. */
export class GitSnapshot {
  readonly gitDir: string;
  readonly workspace: string;
  private readonly homeDir: string;
  private readonly env: Record<string, string>;
  private readonly binary: string;
  private readonly timeoutMs: number;
  private readonly maxUntrackedBytes: number;
  private ready = false;
  private lastExclude?: string;
  private lastUserExclude?: string;

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
    this.maxUntrackedBytes = options.maxUntrackedBytes ?? TWO_MB;
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

  /** Stages the workspace and returns the tree hash of its current state. */
  track(): Promise<string> {
    return this.locked(async () => {
      await this.stage();
      return this.writeTree();
    });
  }

  /** Files (absolute paths) whose content differs between tree `hash` and the workspace now. */
  async patch(hash: string): Promise<SnapshotPatch> {
    objectId(hash, 'hash');
    return this.locked(async () => {
      await this.stage();
      const changed = await this.git([
        'diff-index',
        '--cached',
        '--name-only',
        '--no-renames',
        '-z',
        '--end-of-options',
        hash,
        '--',
      ]);
      return { hash, files: splitNul(changed.stdout).map((file) => toAbsolute(this.workspace, file)) };
    });
  }

  /** `track()` and `patch(hash)` in one pass: the workspace is staged once (the end of every model step). */
  async trackSince(hash: string): Promise<{ tree: string; patch: SnapshotPatch }> {
    objectId(hash, 'hash');
    return this.locked(async () => {
      await this.stage();
      const tree = await this.writeTree();
      const changed = await this.git([
        'diff-tree',
        '-r',
        '-z',
        '--name-only',
        '--no-renames',
        '--end-of-options',
        hash,
        tree,
        '--',
      ]);
      return { tree, patch: { hash, files: splitNul(changed.stdout).map((file) => toAbsolute(this.workspace, file)) } };
    });
  }

  /** Unified diff from tree `hash` to the workspace now. */
  async diff(hash: string): Promise<string> {
    objectId(hash, 'snapshot');
    return this.locked(async () => {
      await this.stage();
      const result = await this.git([
        'diff',
        '--cached',
        '--no-ext-diff',
        '--no-color',
        '--no-renames',
        '--end-of-options',
        hash,
        '--',
      ]);
      return result.stdout.toString('utf8');
    });
  }

  /** Per-file changes between two trees with full-context patches (binary files: empty patch). */
  async diffFull(from: string, to: string): Promise<SnapshotFileDiff[]> {
    objectId(from, 'from');
    objectId(to, 'to');
    return this.locked(async () => {
      const raw = await this.git([
        'diff-tree',
        '-r',
        '-z',
        '--no-renames',
        '--raw',
        '--numstat',
        '--end-of-options',
        from,
        to,
        '--',
      ]);
      const changes = parseRawWithNumstat(raw.stdout);
      const diffs: SnapshotFileDiff[] = [];
      for (const batch of chunk(changes, BATCH)) diffs.push(...(await this.describeBatch(batch)));
      return diffs;
    });
  }

  /** Makes the workspace match `tree`: tracked files are rewritten and files absent from it are removed. */
  async restore(tree: string): Promise<void> {
    objectId(tree, 'snapshot');
    return this.locked(async () => {
      await this.stage();
      const extra = await this.git([
        'diff-index',
        '--cached',
        '--name-only',
        '--no-renames',
        '--diff-filter=A',
        '-z',
        '--end-of-options',
        tree,
        '--',
      ]);
      await this.git(['read-tree', '--end-of-options', tree]);
      await this.git(['checkout-index', '-a', '-f', '-u']);
      for (const file of splitNul(extra.stdout)) await removeInsideWorkspace(this.workspace, file);
    });
  }

  /** Undoes steps: each file goes back to its state in the earliest patch that lists it. */
  async revert(patches: SnapshotPatch[]): Promise<void> {
    // Every stored hash is checked before the first file is touched: a bad row fails the revert as a whole.
    patches.forEach((patch, index) => objectId(patch.hash, `patches[${index}].hash`));
    return this.locked(async () => {
      const seen = new Set<string>();
      const byHash = new Map<string, string[]>();
      for (const patch of patches) {
        for (const file of Array.isArray(patch.files) ? patch.files : []) {
          const relative = toWorkspaceRelative(this.workspace, file);
          if (!relative || seen.has(relative)) continue;
          seen.add(relative);
          byHash.set(patch.hash, [...(byHash.get(patch.hash) ?? []), relative]);
        }
      }
      for (const [hash, files] of byHash) {
        for (const batch of chunk(files, BATCH)) await this.revertBatch(hash, batch);
      }
    });
  }

  /** Drops snapshot objects older than a week that nothing references any more. */
  gc(): Promise<void> {
    return this.locked(async () => {
      await this.git(['gc', '--prune=7.days', '--quiet']);
    });
  }

  private async revertBatch(hash: string, files: string[]): Promise<void> {
    const listed = await this.git([
      'ls-tree',
      '-r',
      '-z',
      '--name-only',
      '--full-tree',
      '--end-of-options',
      hash,
      '--',
      ...files,
    ]);
    const present = new Set(splitNul(listed.stdout));
    const restore = files.filter((file) => present.has(file));
    if (restore.length > 0) {
      try {
        await this.git([...RESTORE_FROM(hash), '--', ...restore]);
      } catch {
        // A batch fails as a whole when one path clashes (a file that became a folder); retry one by one
        // so the others are still reverted, and surface the first real failure.
        for (const file of restore) await this.git([...RESTORE_FROM(hash), '--', file]);
      }
    }
    for (const file of files) if (!present.has(file)) await removeInsideWorkspace(this.workspace, file);
  }

  private async describeBatch(changes: TreeChange[]): Promise<SnapshotFileDiff[]> {
    const textual = changes.filter(
      (change) => !change.binary && change.oldMode !== SUBMODULE_MODE && change.newMode !== SUBMODULE_MODE,
    );
    const wanted = [
      ...new Set(textual.flatMap((change) => [change.oldSha, change.newSha]).filter((sha) => !EMPTY_SHA.test(sha))),
    ];
    const blobs =
      wanted.length > 0
        ? parseCatFileBatch((await this.git(['cat-file', '--batch'], wanted.join('\n') + '\n')).stdout)
        : new Map<string, Buffer | null>();
    const read = (sha: string): string => (EMPTY_SHA.test(sha) ? '' : (blobs.get(sha)?.toString('utf8') ?? ''));
    return changes.map((change) => {
      const status = change.status === 'A' ? 'added' : change.status === 'D' ? 'deleted' : 'modified';
      const isText = textual.includes(change);
      const isSubmodule = change.oldMode === SUBMODULE_MODE || change.newMode === SUBMODULE_MODE;
      const patch = isText
        ? createTwoFilesPatch(change.path, change.path, read(change.oldSha), read(change.newSha), '', '', {
            context: Number.MAX_SAFE_INTEGER,
          })
        : '';
      // A nested repository is one pointer line to git; it is not a line change in the user's files.
      if (isSubmodule) return { file: change.path, patch, additions: 0, deletions: 0, status };
      return { file: change.path, patch, additions: change.additions, deletions: change.deletions, status };
    });
  }

  /** Brings the snapshot index up to date with the workspace, skipping large untracked files. */
  private async stage(): Promise<void> {
    await this.checkGitFiles();
    // The workspace's own exclude file is read by us (no links, FIFOs or devices, bounded) and handed to git
    // as a copy inside the snapshot dir: git would otherwise open whatever that path points at.
    const excludeText =
      (await readHostText(this.workspace, '.git/info/exclude', { maxBytes: MAX_GIT_PATTERN_BYTES })) ?? '';
    const userExcludeText = excludeText
      .split('\n')
      .filter((line) => !tooManyGlobstars(line))
      .join('\n');
    const listArgs = ['ls-files', '-z', '--others', '--exclude-per-directory=.gitignore'];
    if (userExcludeText) {
      const copy = path.join(this.gitDir, 'info', 'workspace-exclude');
      if (userExcludeText !== this.lastUserExclude) {
        await writeFile(copy, userExcludeText);
        this.lastUserExclude = userExcludeText;
      }
      listArgs.push(`--exclude-from=${copy}`);
    }
    const untracked = splitNul((await this.git(listArgs)).stdout);
    const large = await this.findLarge(untracked);
    const exclude =
      EXCLUDE_HEADER +
      userExcludeText +
      (userExcludeText.endsWith('\n') || !userExcludeText ? '' : '\n') +
      large.map(toExcludePattern).join('\n') +
      '\n';
    if (exclude !== this.lastExclude) {
      await writeFile(path.join(this.gitDir, 'info', 'exclude'), exclude);
      this.lastExclude = exclude;
    }
    // With --ignore-errors an unreadable file only costs its own entry; git then exits 1, not 128.
    await this.git(['add', '--all', '--ignore-errors', '--', '.'], undefined, [1]);
  }

  /**
   * git opens every `.gitignore` / `.gitattributes` with a blocking open() (one FIFO by that name hung every
   * snapshot until the timeout) and backtracks exponentially on `**`: such a workspace gets no snapshots (the
   * step goes on without one) until the file is fixed.
   */
  private async checkGitFiles(): Promise<void> {
    const problem = await findGitReadProblem(this.workspace, { timeoutMs: this.timeoutMs });
    if (problem)
      throw new SnapshotError(
        `${problem.file}: ${problem.reason}; snapshots skip this workspace until it is fixed`,
        SnapshotErrorCode.SpecialFile,
        { path: problem.file },
      );
  }

  private async findLarge(untracked: string[]): Promise<string[]> {
    const large: string[] = [];
    for (const batch of chunk(untracked, 64)) {
      const sizes = await Promise.all(
        batch.map((file) => lstat(toAbsolute(this.workspace, file)).catch(() => undefined)),
      );
      batch.forEach((file, index) => {
        const stats = sizes[index];
        if (stats?.isFile() && stats.size > this.maxUntrackedBytes) large.push(file);
      });
    }
    return large;
  }

  private async writeTree(): Promise<string> {
    return (await this.git(['write-tree'])).stdout.toString('utf8').trim();
  }

  private locked<T>(work: () => Promise<T>): Promise<T> {
    return locks.run(this.gitDir, async () => {
      await this.ensureRepository();
      return work();
    });
  }

  private async ensureRepository(): Promise<void> {
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

  private async git(args: string[], input?: string, okCodes?: number[]) {
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
