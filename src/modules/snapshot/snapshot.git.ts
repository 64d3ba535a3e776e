import { createTwoFilesPatch } from 'diff';
import { objectId } from './git-args';
import { parseCatFileBatch, parseRawWithNumstat, splitNul, type TreeChange } from './git-output.parser';
import { KeyedMutex } from './keyed-mutex';
import { SnapshotGitDir } from './snapshot-git-dir';
import { WorkspaceStager } from './snapshot-stage';
import type { GitSnapshotOptions, SnapshotFileDiff, SnapshotPatch } from './snapshot.types';
import { chunk, removeInsideWorkspace, toAbsolute, toWorkspaceRelative } from './workspace-paths';

const TWO_MB = 2 * 1024 * 1024;
const BATCH = 100;
const EMPTY_SHA = /^0+$/;
const SUBMODULE_MODE = '160000';

// `checkout <rev> -- paths` has no `--end-of-options` in git 2.39; `--source=<rev>` cannot be read as an option.
const RESTORE_FROM = (hash: string) => ['restore', '--no-overlay', '--staged', '--worktree', `--source=${hash}`];

// Shared by every instance so two GitSnapshot objects for one project still queue behind each other.
const locks = new KeyedMutex();

/** Git-backed snapshots of one workspace, stored outside it under `<snapshotRoot>/<tenantId>/<projectId>`. */
export class GitSnapshot {
  readonly gitDir: string;
  readonly workspace: string;
  private readonly dir: SnapshotGitDir;
  private readonly stager: WorkspaceStager;

  constructor(options: GitSnapshotOptions) {
    this.dir = new SnapshotGitDir(options);
    this.stager = new WorkspaceStager(this.dir, options.maxUntrackedBytes ?? TWO_MB);
    this.gitDir = this.dir.gitDir;
    this.workspace = this.dir.workspace;
  }

  /** Stages the workspace and returns the tree hash of its current state. */
  track(): Promise<string> {
    return this.locked(async () => {
      await this.stager.stage();
      return this.writeTree();
    });
  }

  /** Files (absolute paths) whose content differs between tree `hash` and the workspace now. */
  async patch(hash: string): Promise<SnapshotPatch> {
    objectId(hash, 'hash');
    return this.locked(async () => {
      await this.stager.stage();
      const changed = await this.dir.git([
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
      await this.stager.stage();
      const tree = await this.writeTree();
      const changed = await this.dir.git([
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
      await this.stager.stage();
      const result = await this.dir.git([
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
      const raw = await this.dir.git([
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
      await this.stager.stage();
      const extra = await this.dir.git([
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
      await this.dir.git(['read-tree', '--end-of-options', tree]);
      await this.dir.git(['checkout-index', '-a', '-f', '-u']);
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
      await this.dir.git(['gc', '--prune=7.days', '--quiet']);
    });
  }

  private async revertBatch(hash: string, files: string[]): Promise<void> {
    const listed = await this.dir.git([
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
        await this.dir.git([...RESTORE_FROM(hash), '--', ...restore]);
      } catch {
        // A batch fails as a whole when one path clashes (a file that became a folder); retry one by one
        // so the others are still reverted, and surface the first real failure.
        for (const file of restore) await this.dir.git([...RESTORE_FROM(hash), '--', file]);
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
        ? parseCatFileBatch((await this.dir.git(['cat-file', '--batch'], wanted.join('\n') + '\n')).stdout)
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

  private async writeTree(): Promise<string> {
    return (await this.dir.git(['write-tree'])).stdout.toString('utf8').trim();
  }

  private locked<T>(work: () => Promise<T>): Promise<T> {
    return locks.run(this.gitDir, async () => {
      await this.dir.ensure();
      return work();
    });
  }
}
