import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { AuthContext } from '../../core/auth/auth-context';
import { BadRequestError } from '../../core/errors/domain-error';
import { ProjectService, type ProjectInfo } from '../project/project.service';
import { SandboxPolicy } from '../sandbox/sandbox-policy.service';
import { SandboxRunner } from '../sandbox/sandbox-runner.service';
import type { Workspace } from '../workspace/workspace';
import { ProjectWorkspaceService } from './project-workspace.service';
import { gitMayRun, runGitCommand, runGitSections } from './vcs.git';
import { VcsApplyError } from './vcs.errors';
import { EMPTY_TREE, parsePorcelain } from './vcs.parse';

const MAX_RAW_DIFF = 8 * 1024 * 1024;

/** A git-style patch that creates `file` with `content` (untracked files are not in `git diff`). */
export function newFilePatch(file: string, content: string): string {
  if (!content) return `diff --git a/${file} b/${file}\nnew file mode 100644\n`;
  const lines = content.replace(/\r\n/g, '\n').split('\n');
  const noEol = lines.at(-1) !== '';
  if (!noEol) lines.pop();
  const body = lines.map((l) => `+${l}`).join('\n');
  return (
    `diff --git a/${file} b/${file}\nnew file mode 100644\n--- /dev/null\n+++ b/${file}\n` +
    `@@ -0,0 +1${lines.length === 1 ? '' : `,${lines.length}`} @@\n${body}\n${noEol ? '\\ No newline at end of file\n' : ''}`
  );
}

/**
 * The routes that move changes as patches (GET /vcs/diff/raw, POST /vcs/apply) and POST /project/git/init. git runs
 * in the command sandbox as the school's uid, like the student's own git.
 */
@Injectable()
export class VcsPatchService {
  constructor(
    private readonly workspaces: ProjectWorkspaceService,
    private readonly projects: ProjectService,
    private readonly runner: SandboxRunner,
    private readonly sandbox: SandboxPolicy,
  ) {}

  /** Uncommitted changes (tracked and untracked) as one patch `git apply` takes; empty outside a repository. */
  async rawDiff(auth: AuthContext, directory?: string): Promise<string> {
    const ws = await this.workspaces.open(auth, directory);
    if (!(await gitMayRun(ws.root))) return '';
    const identity = this.sandbox.identity(ws.tenantId);
    const head = await runGitSections(
      this.runner,
      ws.root,
      { head: ['rev-parse', '--verify', '-q', '--end-of-options', 'HEAD'] },
      undefined,
      identity,
    );
    const base = head.head?.trim() ? 'HEAD' : EMPTY_TREE;
    const s = await runGitSections(
      this.runner,
      ws.root,
      {
        patch: ['diff', '--no-color', '--no-ext-diff', '--no-textconv', '--binary', '--end-of-options', base, '--'],
        status: ['status', '--porcelain=v1', '--untracked-files=all', '--no-renames'],
      },
      undefined,
      identity,
    );
    let out = s.patch ? `${s.patch.replace(/\n*$/, '')}\n` : '';
    for (const [file, st] of parsePorcelain(s.status ?? '')) {
      if (!st.untracked || out.length > MAX_RAW_DIFF) continue;
      const content = await ws.readText(file).catch(() => undefined);
      if (content !== undefined && !content.includes('\0')) out += newFilePatch(file, content);
    }
    return out.trim() ? out : '';
  }

  /** `git apply` of a client's patch onto the working tree; the caller needs write access to the project. */
  async apply(auth: AuthContext, patch: string, directory?: string): Promise<{ applied: boolean }> {
    const ws = await this.workspaces.open(auth, directory, 'write');
    if (!(await gitMayRun(ws.root))) throw new VcsApplyError('The project is not a git repository', 'non-git');
    if (!patch.trim()) return { applied: false };
    // The patch goes through a file inside the workspace (the sandbox sees only the workspace); Workspace writes
    // refuse links, so the name cannot be aimed elsewhere.
    const file = `.git/oc-apply-${randomUUID()}.patch`;
    await ws.writeText(file, patch.endsWith('\n') ? patch : `${patch}\n`);
    try {
      const res = await runGitCommand(this.runner, ws.root, ['apply', '--whitespace=nowarn', '--', file], {
        identity: this.sandbox.identity(ws.tenantId),
      });
      if (res.code !== 0)
        throw new VcsApplyError(`The patch does not apply: ${res.output.trim().slice(0, 500)}`, 'not-clean');
      return { applied: true };
    } finally {
      await ws.remove(file).catch(() => undefined);
    }
  }

  /** `git init` in the project's workspace (idempotent), then the project as OpenCode reports it. */
  async gitInit(auth: AuthContext, directory?: string): Promise<ProjectInfo> {
    const ws = await this.workspaces.open(auth, directory, 'write');
    if (!(await gitMayRun(ws.root))) await this.init(ws);
    return this.projects.markGit(auth, directory);
  }

  private async init(ws: Workspace): Promise<void> {
    const res = await runGitCommand(this.runner, ws.root, ['init', '-q', '-b', 'main'], {
      identity: this.sandbox.identity(ws.tenantId),
    });
    if (res.code !== 0)
      throw new BadRequestError(`git init failed: ${res.output.trim().slice(0, 300)}`, {}, 'git_init');
  }
}
