import { Inject, Injectable } from '@nestjs/common';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { AuthContext } from '../../core/auth/auth-context';
import { APP_CONFIG, type AppConfig } from '../../core/config/app-config';
import { BadRequestError, NotFoundError } from '../../core/errors/domain-error';
import { isId, newId } from '../../core/ids';
import { TtlCache } from '../../core/cache/ttl-cache';
import type { Project } from '../../generated/prisma/client';
import { EventBus } from '../event/event.bus';
import { EventType } from '../event/event.types';
import { ProjectRepository } from './project.repository';

export const DEFAULT_PROJECT = 'default';
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export interface ProjectInfo {
  id: string;
  worktree: string;
  vcs?: 'git';
  name?: string;
  icon?: { url?: string; override?: string; color?: string };
  commands?: { start?: string };
  time: { created: number; updated: number; initialized?: number };
  sandboxes: string[];
}

/**
 * Projects are a tenant's workspaces: folders under WORKSPACE_ROOT/<tenant>/<owner>--<name>, created on first
 * use. OpenCode's `directory` selector names one (by its worktree path or by name); none means "default".
 */
@Injectable()
export class ProjectService {
  private readonly cache = new TtlCache<string, Project>(30_000, 5000);

  constructor(
    private readonly repo: ProjectRepository,
    private readonly bus: EventBus,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  worktree(project: Pick<Project, 'tenantId' | 'slug'>): string {
    return path.join(this.config.workspaceRoot, project.tenantId, project.slug);
  }

  /** The project a request works in. Other users' projects answer 404 unless the caller is an admin. */
  resolve(auth: AuthContext, directory?: string): Promise<Project> {
    // Concurrent first requests for one folder share one lookup (and so one creation).
    return this.cache.get(`${auth.tenantId}\0${auth.userId}\0${directory ?? ''}`, () => this.lookup(auth, directory));
  }

  private async lookup(auth: AuthContext, directory?: string): Promise<Project> {
    const tenantRoot = path.join(this.config.workspaceRoot, auth.tenantId) + path.sep;
    if (directory && path.isAbsolute(directory) && path.resolve(directory).startsWith(tenantRoot)) {
      // A worktree path we handed out: <root>/<tenant>/<slug>[/sub/dir]
      const slug = path.resolve(directory).slice(tenantRoot.length).split(path.sep)[0];
      const existing = await this.repo.findBySlug(auth.tenantId, slug);
      if (!existing || !this.canAccess(auth, existing)) throw new NotFoundError('Project not found');
      return existing;
    }
    if (directory && path.isAbsolute(directory) && path.resolve(directory).startsWith(path.resolve(this.config.workspaceRoot) + path.sep)) {
      // Not echoed: the path names another tenant's folder.
      throw new NotFoundError('Project not found');
    }
    const name = directory ? path.basename(directory.replace(/[\\/]+$/, '')) || DEFAULT_PROJECT : DEFAULT_PROJECT;
    if (!NAME.test(name)) throw new BadRequestError(`Invalid project directory name: ${name}`);
    const project = await this.repo.upsert({ id: newId('project'), tenantId: auth.tenantId, ownerId: auth.userId, slug: `${auth.userId}--${name}`, name });
    await fs.mkdir(this.worktree(project), { recursive: true, mode: 0o700 });
    return project;
  }

  canAccess(auth: AuthContext, project: Project): boolean {
    return project.tenantId === auth.tenantId && (project.ownerId === auth.userId || auth.role === 'admin' || auth.role === 'teacher');
  }

  async get(auth: AuthContext, id: string): Promise<Project> {
    const project = isId('project', id) ? await this.repo.find(auth.tenantId, id) : null;
    if (!project || !this.canAccess(auth, project)) throw new NotFoundError(`Project not found: ${id}`);
    return project;
  }

  async list(auth: AuthContext): Promise<ProjectInfo[]> {
    const rows = await this.repo.list(auth.tenantId, auth.role === 'student' ? auth.userId : undefined);
    return rows.map((p) => this.toInfo(p));
  }

  async current(auth: AuthContext, directory?: string): Promise<ProjectInfo> {
    return this.toInfo(await this.resolve(auth, directory));
  }

  async update(auth: AuthContext, id: string, input: { name?: string; icon?: object; commands?: object }): Promise<ProjectInfo> {
    await this.get(auth, id);
    const updated = (await this.repo.update(auth.tenantId, id, { name: input.name, icon: input.icon as object, commands: input.commands as object }))!;
    this.cache.clear();
    const info = this.toInfo(updated);
    this.bus.publish({ tenantId: auth.tenantId, projectId: id, type: EventType.ProjectUpdated, properties: info as unknown as Record<string, unknown> });
    return info;
  }

  async paths(auth: AuthContext, directory?: string) {
    const project = await this.resolve(auth, directory);
    const worktree = this.worktree(project);
    return { home: worktree, state: path.join(this.config.dataDir, 'state'), config: path.join(this.config.dataDir, 'config'), worktree, directory: worktree };
  }

  toInfo(p: Project): ProjectInfo {
    return {
      id: p.id,
      worktree: this.worktree(p),
      ...(p.vcs === 'git' ? { vcs: 'git' as const } : {}),
      ...(p.name ? { name: p.name } : {}),
      ...(p.icon ? { icon: p.icon as ProjectInfo['icon'] } : {}),
      ...(p.commands ? { commands: p.commands as ProjectInfo['commands'] } : {}),
      time: { created: p.createdAt.getTime(), updated: p.updatedAt.getTime(), ...(p.initializedAt ? { initialized: p.initializedAt.getTime() } : {}) },
      sandboxes: [],
    };
  }
}
