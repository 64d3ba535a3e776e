import { lstat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { HostToolTimeoutError } from '../../core/process/host-tool';
import { findGitReadProblem, MAX_GIT_PATTERN_BYTES, tooManyGlobstars } from '../workspace/git-readable';
import { readHostText } from '../workspace/host-file';
import { splitNul, toExcludePattern } from './git-output.parser';
import type { SnapshotGitDir } from './snapshot-git-dir';
import { SnapshotError, SnapshotErrorCode } from './snapshot.errors';
import { chunk, toAbsolute } from './workspace-paths';

const EXCLUDE_HEADER = '# managed by opencode-api snapshots: workspace info/exclude + large untracked files\n';

/**
 * Stages a workspace into its snapshot index: the workspace's pattern files checked first, its own exclude file
 * read by us (bounded, no links) and handed to git as a copy, large untracked files left out.
 */
export class WorkspaceStager {
  private lastExclude?: string;
  private lastUserExclude?: string;

  constructor(
    private readonly dir: SnapshotGitDir,
    private readonly maxUntrackedBytes: number,
  ) {}

  /** Brings the snapshot index up to date with the workspace, skipping large untracked files. */
  async stage(): Promise<void> {
    await this.checkGitFiles();
    // The workspace's own exclude file is read by us (no links, FIFOs or devices, bounded) and handed to git
    // as a copy inside the snapshot dir: git would otherwise open whatever that path points at.
    const excludeText =
      (await readHostText(this.dir.workspace, '.git/info/exclude', { maxBytes: MAX_GIT_PATTERN_BYTES })) ?? '';
    const userExcludeText = excludeText
      .split('\n')
      .filter((line) => !tooManyGlobstars(line))
      .join('\n');
    const listArgs = ['ls-files', '-z', '--others', '--exclude-per-directory=.gitignore'];
    if (userExcludeText) {
      const copy = path.join(this.dir.gitDir, 'info', 'workspace-exclude');
      if (userExcludeText !== this.lastUserExclude) {
        await writeFile(copy, userExcludeText);
        this.lastUserExclude = userExcludeText;
      }
      listArgs.push(`--exclude-from=${copy}`);
    }
    const untracked = splitNul((await this.dir.git(listArgs)).stdout);
    const large = await this.findLarge(untracked);
    const exclude =
      EXCLUDE_HEADER +
      userExcludeText +
      (userExcludeText.endsWith('\n') || !userExcludeText ? '' : '\n') +
      large.map(toExcludePattern).join('\n') +
      '\n';
    if (exclude !== this.lastExclude) {
      await writeFile(path.join(this.dir.gitDir, 'info', 'exclude'), exclude);
      this.lastExclude = exclude;
    }
    // With --ignore-errors an unreadable file only costs its own entry; git then exits 1, not 128.
    await this.dir.git(['add', '--all', '--ignore-errors', '--', '.'], undefined, [1]);
  }

  /**
   * git opens every `.gitignore` / `.gitattributes` with a blocking open() (one FIFO by that name hung every
   * snapshot until the timeout) and backtracks exponentially on `**`: such a workspace gets no snapshots (the
   * step goes on without one) until the file is fixed.
   */
  private async checkGitFiles(): Promise<void> {
    const problem = await findGitReadProblem(this.dir.workspace, { timeoutMs: this.dir.timeoutMs }).catch((err) => {
      // The check runs `find` under the same bound as git: its failures are the snapshot's, with git's codes.
      if (err instanceof HostToolTimeoutError)
        throw new SnapshotError(err.message, SnapshotErrorCode.GitTimeout, { args: [...err.args] });
      throw new SnapshotError(`workspace check failed: ${(err as Error).message}`, SnapshotErrorCode.GitFailed);
    });
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
        batch.map((file) => lstat(toAbsolute(this.dir.workspace, file)).catch(() => undefined)),
      );
      batch.forEach((file, index) => {
        const stats = sizes[index];
        if (stats?.isFile() && stats.size > this.maxUntrackedBytes) large.push(file);
      });
    }
    return large;
  }
}
