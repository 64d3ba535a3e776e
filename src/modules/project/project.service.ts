import { Inject, Injectable } from '@nestjs/common';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { AuthContext } from '../../core/auth/auth-context';
import { TEACHER_SCOPE, type TeacherScope } from '../../core/auth/teacher-scope.port';
import { APP_CONFIG, type AppConfig } from '../../core/config/app-config';
import { hostPathOf } from '../../core/http/host-paths';
import { BadRequestError, ForbiddenError, NotFoundError } from '../../core/errors/domain-error';
import { isId, stableId } from '../../core/ids';
import { TtlCache } from '../../core/cache/ttl-cache';
import type { Project } from '../../generated/prisma/client';
import { EventBus } from '../event/event.bus';
import { EventType } from '../event/event.types';
import { ProjectRepository } from './project.repository';

export const DEFAULT_PROJECT = 'default';
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** Reading a project (files, search, config, events) or changing it (config, MCP servers, new sessions). */
export type ProjectAccess = 'read' | 'write';

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
  private readonly cache = new TtlCache<string, { row: Project } | { name: string; draft: Project }>(30_000, 5000);
  private readonly drafts = new WeakSet<Project>();

  constructor(
    private readonly repo: ProjectRepository,
    private readonly bus: EventBus,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(TEACHER_SCOPE) private readonly teachers: TeacherScope,
  ) {}

  worktree(project: Pick<Project, 'tenantId' | 'slug'>): string {
    return path.join(this.config.workspaceRoot, project.tenantId, project.slug);
  }

  /**
   * The project a request works in. Other users' projects answer 404 unless the caller is their school's admin or
   * teaches them; teachers only read them unless the school enables teacher writes (403 otherwise).
   *
   * A name the caller has no project for yet is created by a write only. A read answers for it as it will be (its
   * id is derived from the name, so the first write creates the same id) without storing anything: OpenCode's
   * clients read their working directory before they write, and a GET must not leave a project behind.
   */
  async resolve(auth: AuthContext, directory?: string, access: ProjectAccess = 'read'): Promise<Project> {
    // Concurrent first requests for one folder share one lookup; only found rows are kept.
    const found = await this.cache.getWithTtl(`${auth.tenantId}\0${auth.userId}\0${directory ?? ''}`, async () => {
      const value = await this.lookup(auth, directory);
      return { value, ttlMs: 'row' in value ? undefined : 1 };
    });
    const project = 'row' in found ? found.row : access === 'write' ? await this.create(auth, found.name) : found.draft;
    // Checked on every call, not cached: a teacher removed from a class loses sight of it at once.
    await this.assertAccess(auth, project, access, 'Project not found');
    return project;
  }

  /** True for the stand-in a read gets for a project that does not exist yet (no row, no folder). */
  isDraft(project: Project): boolean {
    return this.drafts.has(project);
  }

  private async lookup(
    auth: AuthContext,
    requested?: string,
  ): Promise<{ row: Project } | { name: string; draft: Project }> {
    // What the caller was shown (`/workspace/<slug>`) names the same folder as the host path.
    const directory = requested && hostPathOf(this.config.workspaceRoot, auth.tenantId, requested);
    const tenantRoot = path.join(this.config.workspaceRoot, auth.tenantId) + path.sep;
    let name: string;
    if (directory && path.isAbsolute(directory) && path.resolve(directory).startsWith(tenantRoot)) {
      // A worktree path we handed out: <root>/<tenant>/<slug>[/sub/dir]
      const slug = path.resolve(directory).slice(tenantRoot.length).split(path.sep)[0];
      const existing = await this.repo.findBySlug(auth.tenantId, slug);
      if (existing) return { row: existing };
      // The caller's own not-yet-created project (listed as a draft) may be named by its path; nobody else's.
      const own = `${auth.userId}--`;
      if (!slug.startsWith(own) || !NAME.test(slug.slice(own.length))) throw new NotFoundError('Project not found');
      name = slug.slice(own.length);
    } else if (
      directory &&
      path.isAbsolute(directory) &&
      path.resolve(directory).startsWith(path.resolve(this.config.workspaceRoot) + path.sep)
    ) {
      // Not echoed: the path names another tenant's folder.
      throw new NotFoundError('Project not found');
    } else {
      name = directory ? path.basename(directory.replace(/[\\/]+$/, '')) || DEFAULT_PROJECT : DEFAULT_PROJECT;
      if (!NAME.test(name)) throw new BadRequestError(`Invalid project directory name: ${name}`);
    }
    const slug = `${auth.userId}--${name}`;
    const existing = await this.repo.findBySlug(auth.tenantId, slug);
    return existing ? { row: existing } : { name, draft: this.draft(auth, name) };
  }

  private draft(auth: AuthContext, name: string): Project {
    // Not created yet: time 0, so every read shows the same project until a write stores it.
    const never = new Date(0);
    const slug = `${auth.userId}--${name}`;
    const project: Project = {
      id: stableId('project', `${auth.tenantId}\0${slug}`),
      tenantId: auth.tenantId,
      ownerId: auth.userId,
      slug,
      name,
      vcs: null,
      icon: null,
      commands: null,
      initializedAt: null,
      createdAt: never,
      updatedAt: never,
    } as Project;
    this.drafts.add(project);
    return project;
  }

  private async create(auth: AuthContext, name: string): Promise<Project> {
    const slug = `${auth.userId}--${name}`;
    const project = await this.repo.upsert({
      id: stableId('project', `${auth.tenantId}\0${slug}`),
      tenantId: auth.tenantId,
      ownerId: auth.userId,
      slug,
      name,
    });
    await fs.mkdir(this.worktree(project), { recursive: true, mode: 0o700 });
    return project;
  }

  /** Owners and their school's admins: everything; teachers of the owner's classes: read (write if the school allows). */
  private async assertAccess(
    auth: AuthContext,
    project: Project,
    access: ProjectAccess,
    notFound: string,
  ): Promise<void> {
    if (project.tenantId !== auth.tenantId) throw new NotFoundError(notFound);
    if (project.ownerId === auth.userId || auth.role === 'admin') return;
    if (auth.role !== 'teacher' || !(await this.teachers.teaches(auth, project.ownerId)))
      throw new NotFoundError(notFound);
    if (access === 'write' && !(await this.repo.teacherWrites(auth.tenantId))) {
      throw new ForbiddenError(
        "Read-only access to a student's workspace (the school has not enabled teacher writes)",
        'read_only',
      );
    }
  }

  async get(auth: AuthContext, id: string, access: ProjectAccess = 'read'): Promise<Project> {
    let project = isId('project', id) ? await this.repo.find(auth.tenantId, id) : null;
    // The caller's default project is listed before it is stored; a change to it by id stores it.
    if (!project && access === 'write' && id === this.draft(auth, DEFAULT_PROJECT).id) {
      project = await this.create(auth, DEFAULT_PROJECT);
    }
    if (!project) throw new NotFoundError(`Project not found: ${id}`);
    await this.assertAccess(auth, project, access, `Project not found: ${id}`);
    return project;
  }

  /** Students: their own; teachers: their own and their students'; admins: the school's. */
  async list(auth: AuthContext): Promise<ProjectInfo[]> {
    const owners =
      auth.role === 'admin'
        ? undefined
        : auth.role === 'teacher'
          ? [auth.userId, ...(await this.teachers.watchedUserIds(auth))]
          : [auth.userId];
    const rows = await this.repo.list(auth.tenantId, owners);
    return rows.map((p) => this.toInfo(p));
  }

  /**
   * GET /project: the caller's projects, with their default project first seen here as it will be (not stored until
   * a write): OpenCode's app opens what this lists, and a fresh user has nothing else yet.
   */
  async listWithDefault(auth: AuthContext): Promise<ProjectInfo[]> {
    const listed = await this.list(auth);
    const own = await this.resolve(auth);
    return listed.some((p) => p.id === own.id) ? listed : [this.toInfo(own), ...listed];
  }

  async current(auth: AuthContext, directory?: string): Promise<ProjectInfo> {
    return this.toInfo(await this.resolve(auth, directory));
  }

  async update(
    auth: AuthContext,
    id: string,
    input: { name?: string; icon?: object; commands?: object },
  ): Promise<ProjectInfo> {
    await this.get(auth, id, 'write');
    const updated = (await this.repo.update(auth.tenantId, id, {
      name: input.name,
      icon: input.icon as object,
      commands: input.commands as object,
    }))!;
    return this.updated(updated);
  }

  /** Records that the project's workspace is now a git repository (POST /project/git/init). */
  async markGit(auth: AuthContext, directory?: string): Promise<ProjectInfo> {
    const project = await this.resolve(auth, directory, 'write');
    if (project.vcs === 'git') return this.toInfo(project);
    const updated = (await this.repo.update(auth.tenantId, project.id, { vcs: 'git' }))!;
    return this.updated(updated);
  }

  private updated(project: Project): ProjectInfo {
    this.cache.clear();
    const info = this.toInfo(project);
    this.bus.publish({
      tenantId: project.tenantId,
      projectId: project.id,
      ownerId: project.ownerId ?? undefined,
      type: EventType.ProjectUpdated,
      properties: info as unknown as Record<string, unknown>,
    });
    return info;
  }

  /** A project named by its id or by its slug (a workspace handle of the loop carries the slug), or null. */
  async ref(tenantId: string, idOrSlug: string): Promise<{ id: string; ownerId: string | null } | null> {
    const row = (await this.repo.find(tenantId, idOrSlug)) ?? (await this.repo.findBySlug(tenantId, idOrSlug));
    return row ? { id: row.id, ownerId: row.ownerId } : null;
  }

  async ownerOf(tenantId: string, projectId: string): Promise<string | null> {
    return (await this.repo.find(tenantId, projectId))?.ownerId ?? null;
  }

  async paths(auth: AuthContext, directory?: string) {
    const project = await this.resolve(auth, directory);
    const worktree = this.worktree(project);
    return {
      home: worktree,
      state: path.join(this.config.dataDir, 'state'),
      config: path.join(this.config.dataDir, 'config'),
      worktree,
      directory: worktree,
    };
  }

  toInfo(p: Project): ProjectInfo {
    return {
      id: p.id,
      worktree: this.worktree(p),
      ...(p.vcs === 'git' ? { vcs: 'git' as const } : {}),
      ...(p.name ? { name: p.name } : {}),
      ...(p.icon ? { icon: p.icon as ProjectInfo['icon'] } : {}),
      ...(p.commands ? { commands: p.commands as ProjectInfo['commands'] } : {}),
      time: {
        created: p.createdAt.getTime(),
        updated: p.updatedAt.getTime(),
        ...(p.initializedAt ? { initialized: p.initializedAt.getTime() } : {}),
      },
      sandboxes: [],
    };
  }
}
