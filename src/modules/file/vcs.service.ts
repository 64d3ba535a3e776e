import { Injectable } from '@nestjs/common';
import type { AuthContext } from '../../core/auth/auth-context';
import { SandboxPolicy } from '../sandbox/sandbox-policy.service';
import { SandboxRunner } from '../sandbox/sandbox-runner.service';
import { fileDiff } from '../workspace/file-diff';
import type { Workspace } from '../workspace/workspace';
import type { FileStatusEntry, VcsFileDiff, VcsFileStatus, VcsInfo } from './file.types';
import { ProjectWorkspaceService } from './project-workspace.service';
import { gitMayRun, runGitSections } from './vcs.git';
import { countLines, EMPTY_TREE, parseNameStatus, parseNumstat, parsePorcelain, splitPatch } from './vcs.parse';

const DIFF_FLAGS = ['--no-color', '--no-ext-diff', '--no-textconv', '--no-renames'];
// Revisions come from git's own output (a branch name) or are HEAD / a checked hex id; they still follow
// `--end-of-options` so a branch named like an option stays a revision.

/**
 * GET /vcs, /vcs/status, /vcs/diff and /file/status on a workspace that is a git repository. git runs in
 * the command sandbox, like a student's own `git status`; a workspace without `.git` answers empty.
 */
@Injectable()
export class VcsService {
  constructor(
    private readonly workspaces: ProjectWorkspaceService,
    private readonly runner: SandboxRunner,
    private readonly sandbox: SandboxPolicy,
  ) {}

  async info(auth: AuthContext, directory?: string): Promise<VcsInfo> {
    const ws = await this.workspaces.open(auth, directory);
    if (!(await gitMayRun(ws.root))) return {};
    return this.branches(ws);
  }

  async status(auth: AuthContext, directory?: string): Promise<VcsFileStatus[]> {
    const ws = await this.workspaces.open(auth, directory);
    return (await this.changes(ws, 'git', 3, false)).map(({ patch: _patch, ...rest }) => rest);
  }

  async fileStatus(auth: AuthContext, directory?: string): Promise<FileStatusEntry[]> {
    return (await this.status(auth, directory)).map((s) => ({
      path: s.file,
      added: s.additions,
      removed: s.deletions,
      status: s.status,
    }));
  }

  async diff(
    auth: AuthContext,
    directory: string | undefined,
    mode: 'git' | 'branch',
    context = 3,
  ): Promise<VcsFileDiff[]> {
    const ws = await this.workspaces.open(auth, directory);
    return this.changes(ws, mode, context, true);
  }

  private async branches(ws: Workspace): Promise<VcsInfo> {
    const s = await runGitSections(
      this.runner,
      ws.root,
      {
        branch: ['symbolic-ref', '--short', '-q', 'HEAD'],
        origin: ['symbolic-ref', '--short', '-q', 'refs/remotes/origin/HEAD'],
        heads: ['for-each-ref', '--format=%(refname:short)', 'refs/heads'],
      },
      undefined,
      this.sandbox.identity(ws.tenantId),
    );
    const branch = s.branch?.trim() || undefined;
    const heads = (s.heads ?? '').split('\n').filter(Boolean);
    const origin = s.origin?.trim().replace(/^origin\//, '');
    const fallback = ['main', 'master'].find((b) => heads.includes(b));
    const defaultBranch = origin || fallback;
    return { ...(branch ? { branch } : {}), ...(defaultBranch ? { default_branch: defaultBranch } : {}) };
  }

  /** Changed files against HEAD (`git`) or against the merge base with the default branch (`branch`). */
  private async changes(
    ws: Workspace,
    mode: 'git' | 'branch',
    context: number,
    withPatch: boolean,
  ): Promise<VcsFileDiff[]> {
    if (!(await gitMayRun(ws.root))) return [];
    let base = 'HEAD';
    const head = await runGitSections(
      this.runner,
      ws.root,
      { head: ['rev-parse', '--verify', '-q', '--end-of-options', 'HEAD'] },
      undefined,
      this.sandbox.identity(ws.tenantId),
    );
    if (!head.head?.trim()) base = EMPTY_TREE;
    else if (mode === 'branch') {
      const { default_branch } = await this.branches(ws);
      if (default_branch) {
        const mb = await runGitSections(
          this.runner,
          ws.root,
          { mb: ['merge-base', '--end-of-options', 'HEAD', `refs/heads/${default_branch}`] },
          undefined,
          this.sandbox.identity(ws.tenantId),
        );
        if (/^[0-9a-f]{40,64}$/.test(mb.mb?.trim() ?? '')) base = mb.mb.trim();
      }
    }
    const commands: Record<string, string[]> = {
      status: ['status', '--porcelain=v1', '--untracked-files=all', '--no-renames'],
      numstat: ['diff', '--numstat', ...DIFF_FLAGS, '--end-of-options', base, '--'],
      names: ['diff', '--name-status', ...DIFF_FLAGS, '--end-of-options', base, '--'],
    };
    if (withPatch) commands.patch = ['diff', ...DIFF_FLAGS, `-U${Math.trunc(context)}`, '--end-of-options', base, '--'];
    const s = await runGitSections(this.runner, ws.root, commands, undefined, this.sandbox.identity(ws.tenantId));
    const status = parsePorcelain(s.status ?? '');
    const counts = parseNumstat(s.numstat ?? '');
    // Against a branch base a file may be committed (no working-tree status) yet still new or removed.
    const named = parseNameStatus(s.names ?? '');
    const patches = splitPatch(s.patch ?? '');
    const files = new Set([...counts.keys(), ...[...status].filter(([, v]) => v.untracked).map(([k]) => k)]);
    const out: VcsFileDiff[] = [];
    for (const file of [...files].sort()) {
      const st = status.get(file);
      if (st?.untracked) {
        const content = await ws.readText(file).catch(() => undefined);
        if (content === undefined) continue;
        const entry: VcsFileDiff = { file, additions: countLines(content), deletions: 0, status: 'added' };
        if (withPatch) entry.patch = fileDiff(file, '', content).patch;
        out.push(entry);
        continue;
      }
      const c = counts.get(file) ?? { additions: 0, deletions: 0 };
      const entry: VcsFileDiff = {
        file,
        ...c,
        status: st?.status ?? named.get(file) ?? (base === EMPTY_TREE ? 'added' : 'modified'),
      };
      if (withPatch && patches.has(file)) entry.patch = patches.get(file);
      out.push(entry);
    }
    return out;
  }
}
