import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { AuthContext } from '../../../core/auth/auth-context';
import { ProjectService } from '../../project/project.service';
import { SandboxPolicy } from '../../sandbox/sandbox-policy.service';
import { SandboxRunner } from '../../sandbox/sandbox-runner.service';
import type { Workspace } from '../../workspace/workspace';
import { ProjectWorkspaceService } from '../project-workspace.service';
import { gitMayRun, runGitCommand, runGitSections } from '../vcs.git';
import { WorktreeError } from '../vcs.errors';

/** Worktrees live inside the project's workspace (the only folder the sandbox shows), ignored by its repository. */
export const WORKTREE_DIR = '.worktrees';
const NAME = /^[a-z0-9][a-z0-9-]{0,39}$/;
const START_TIMEOUT_MS = 120_000;

export interface WorktreeInfo {
  name: string;
  branch?: string;
  directory: string;
}

/**
 * OpenCode's sandboxes: git worktrees of the project for parallel work, under `<workspace>/.worktrees/<name>` on the
 * branch `opencode/<name>`. git runs in the command sandbox; names are checked against a strict pattern and the
 * directories a client names must be one of these worktrees, so no argument reaches git unvalidated.
 */
@Injectable()
export class WorktreeService {
  constructor(
    private readonly workspaces: ProjectWorkspaceService,
    private readonly projects: ProjectService,
    private readonly runner: SandboxRunner,
    private readonly sandbox: SandboxPolicy,
  ) {}

  async list(auth: AuthContext, directory?: string): Promise<string[]> {
    const ws = await this.workspaces.open(auth, directory);
    return this.directories(ws);
  }

  async create(
    auth: AuthContext,
    input: { name?: string; startCommand?: string },
    directory?: string,
  ): Promise<WorktreeInfo> {
    const ws = await this.gitWorkspace(auth, directory, 'write');
    const name = input.name ?? `wt-${randomBytes(3).toString('hex')}`;
    if (!NAME.test(name))
      throw new WorktreeError(
        'WorktreeNameGenerationFailedError',
        'A worktree name is 1–40 lower-case letters, digits and dashes, starting with a letter or digit',
      );
    const target = path.join(ws.root, WORKTREE_DIR, name);
    if ((await this.directories(ws)).includes(target) || (await ws.stat(path.join(WORKTREE_DIR, name))))
      throw new WorktreeError('WorktreeCreateFailedError', `A worktree named ${name} already exists`);
    const branch = `opencode/${name}`;
    // Keep the worktrees out of the main checkout's status (written inside the sandbox, like any student change).
    await this.sh(
      ws,
      `grep -qxF '/${WORKTREE_DIR}/' .git/info/exclude 2>/dev/null || { mkdir -p .git/info && printf '/${WORKTREE_DIR}/\\n' >> .git/info/exclude; }`,
      ws.root,
    );
    const res = await this.git(ws, [
      'worktree',
      'add',
      '-q',
      '-b',
      branch,
      '--',
      path.join(WORKTREE_DIR, name),
      'HEAD',
    ]);
    if (res.code !== 0)
      throw new WorktreeError(
        'WorktreeCreateFailedError',
        /invalid reference|not a valid object name/.test(res.output)
          ? 'The repository has no commit yet: commit once, then create a worktree'
          : `git worktree add failed: ${res.output.trim().slice(0, 300)}`,
      );
    const project = await this.projects.resolve(auth, directory, 'write');
    const start = [(project.commands as { start?: string } | null)?.start, input.startCommand].filter(
      (c): c is string => !!c?.trim(),
    );
    for (const command of start) {
      const out = await this.sh(ws, command, target);
      if (out.exitCode !== 0)
        throw new WorktreeError(
          'WorktreeStartCommandFailedError',
          `The start command failed in ${name} (exit ${out.exitCode ?? 'timeout'}): ${out.output.trim().slice(-300)}`,
        );
    }
    return { name, branch, directory: target };
  }

  async remove(auth: AuthContext, worktree: string, directory?: string): Promise<boolean> {
    const ws = await this.gitWorkspace(auth, directory, 'write');
    const name = await this.known(ws, worktree, 'WorktreeRemoveFailedError');
    const res = await this.git(ws, ['worktree', 'remove', '--force', '--', path.join(WORKTREE_DIR, name)]);
    if (res.code !== 0)
      throw new WorktreeError(
        'WorktreeRemoveFailedError',
        `git worktree remove failed: ${res.output.trim().slice(0, 300)}`,
      );
    await this.git(ws, ['branch', '-D', `opencode/${name}`]);
    return true;
  }

  /** Puts the worktree's branch back on the primary default branch (main or master), discarding its changes. */
  async reset(auth: AuthContext, worktree: string, directory?: string): Promise<boolean> {
    const ws = await this.gitWorkspace(auth, directory, 'write');
    const name = await this.known(ws, worktree, 'WorktreeResetFailedError');
    const heads = await runGitSections(
      this.runner,
      ws.root,
      { heads: ['for-each-ref', '--format=%(refname:short)', 'refs/heads'] },
      undefined,
      this.sandbox.identity(ws.tenantId),
    );
    // A fixed ref name (git reset does not take --end-of-options); `--` ends the revisions.
    const primary = ['main', 'master'].find((b) => (heads.heads ?? '').split('\n').includes(b));
    if (!primary) throw new WorktreeError('WorktreeResetFailedError', 'The repository has no main or master branch');
    const res = await this.git(ws, ['reset', '-q', '--hard', `refs/heads/${primary}`, '--'], {
      cwd: path.join(ws.root, WORKTREE_DIR, name),
    });
    if (res.code !== 0)
      throw new WorktreeError('WorktreeResetFailedError', `git reset failed: ${res.output.trim().slice(0, 300)}`);
    return true;
  }

  /** GET /project/{id}/directories: the project's workspace, then its worktrees. */
  async projectDirectories(auth: AuthContext, projectId: string): Promise<{ directory: string; strategy?: string }[]> {
    const project = await this.projects.get(auth, projectId);
    const root = this.projects.worktree(project);
    const ws = await this.workspaces.open(auth, root);
    return [{ directory: root }, ...(await this.directories(ws)).map((d) => ({ directory: d, strategy: 'worktree' }))];
  }

  private async gitWorkspace(auth: AuthContext, directory: string | undefined, access: 'read' | 'write') {
    const ws = await this.workspaces.open(auth, directory, access);
    if (!(await gitMayRun(ws.root)))
      throw new WorktreeError('WorktreeNotGitError', 'The project is not a git repository (POST /project/git/init)');
    return ws;
  }

  /** The worktree a client names, by its directory or its name; only our own worktrees are accepted. */
  private async known(
    ws: Workspace,
    worktree: string,
    error: 'WorktreeRemoveFailedError' | 'WorktreeResetFailedError',
  ) {
    const name = path.isAbsolute(worktree)
      ? path.relative(path.join(ws.root, WORKTREE_DIR), ws.lexical(worktree))
      : worktree;
    if (!NAME.test(name) || !(await this.directories(ws)).includes(path.join(ws.root, WORKTREE_DIR, name)))
      throw new WorktreeError(error, `Not a worktree of this project: ${worktree}`);
    return name;
  }

  private async directories(ws: Workspace): Promise<string[]> {
    if (!(await gitMayRun(ws.root))) return [];
    const s = await runGitSections(
      this.runner,
      ws.root,
      { list: ['worktree', 'list', '--porcelain'] },
      undefined,
      this.sandbox.identity(ws.tenantId),
    );
    const prefix = path.join(ws.root, WORKTREE_DIR) + path.sep;
    return (s.list ?? '')
      .split('\n')
      .filter((l) => l.startsWith('worktree '))
      .map((l) => l.slice('worktree '.length))
      .filter((d) => d.startsWith(prefix) && NAME.test(d.slice(prefix.length)));
  }

  private git(ws: Workspace, args: string[], opts: { cwd?: string } = {}) {
    return runGitCommand(this.runner, ws.root, args, { ...opts, identity: this.sandbox.identity(ws.tenantId) });
  }

  private async sh(ws: Workspace, command: string, cwd: string) {
    const tenant = await this.sandbox.forTenant(ws.tenantId, 'worktree');
    return this.runner.run({ command, cwd, workspaceRoot: ws.root, timeoutMs: START_TIMEOUT_MS, ...tenant });
  }
}
