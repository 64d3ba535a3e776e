import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { AuthContext } from '../../../core/auth/auth-context';
import { ProjectService } from '../../project/project.service';
import { ProjectCopyError } from '../vcs.errors';
import { WorktreeService } from './worktree.service';

const STOP_WORDS = new Set(['a', 'an', 'the', 'and', 'or', 'to', 'of', 'in', 'on', 'for', 'with', 'please', 'my']);

/** A short worktree name from a task's words: `fix-login-form`, or a random one when nothing usable is left. */
export function copyName(context = ''): string {
  const words = context
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9\s-]/g, ' ')
    .split(/[\s-]+/)
    .filter((w) => w && !STOP_WORDS.has(w))
    .slice(0, 4);
  const name = words.join('-').slice(0, 32).replace(/-+$/, '');
  return name || `copy-${randomBytes(3).toString('hex')}`;
}

/**
 * OpenCode's project copies (`/experimental/project/{id}/copy*`), on the one strategy a hosted workspace offers: a
 * git worktree inside the project's workspace. A copy into an arbitrary folder of the server is never made.
 */
@Injectable()
export class ProjectCopyService {
  constructor(
    private readonly projects: ProjectService,
    private readonly worktrees: WorktreeService,
  ) {}

  async create(
    auth: AuthContext,
    projectId: string,
    input: { strategy: string; directory: string; name?: string },
  ): Promise<{ directory: string }> {
    const root = await this.root(auth, projectId);
    if (input.strategy !== 'worktree')
      throw new ProjectCopyError(`Unknown copy strategy "${input.strategy}": this server makes worktree copies`);
    const name = input.name ?? copyName(path.basename(input.directory));
    const created = await this.worktrees.create(auth, { name }, root);
    return { directory: created.directory };
  }

  async remove(auth: AuthContext, projectId: string, input: { directory: string; force?: boolean }): Promise<void> {
    const root = await this.root(auth, projectId);
    await this.worktrees.remove(auth, input.directory, root);
  }

  /** Copies are worktrees of the live repository: there is nothing to refresh beyond checking access. */
  async refresh(auth: AuthContext, projectId: string): Promise<void> {
    await this.projects.get(auth, projectId, 'write');
  }

  async generateName(auth: AuthContext, projectId: string, context?: string): Promise<{ name: string }> {
    await this.projects.get(auth, projectId);
    return { name: copyName(context) };
  }

  private async root(auth: AuthContext, projectId: string): Promise<string> {
    return this.projects.worktree(await this.projects.get(auth, projectId, 'write'));
  }
}
