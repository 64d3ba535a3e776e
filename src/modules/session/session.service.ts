import { Inject, Injectable } from '@nestjs/common';
import type { AuthContext } from '../../core/auth/auth-context';
import { TEACHER_SCOPE, type TeacherScope } from '../../core/auth/teacher-scope.port';
import { APP_CONFIG, type AppConfig } from '../../core/config/app-config';
import { BadRequestError, ForbiddenError, NotFoundError } from '../../core/errors/domain-error';
import { isId, newId } from '../../core/ids';
import { VERSION } from '../../core/version';
import { EventBus } from '../event/event.bus';
import { EventType } from '../event/event.types';
import { ProjectService } from '../project/project.service';
import { RequestLimitService } from '../tenant/limits/request-limit.service';
import { MessageRepository } from './message.repository';
import { defaultTitle, randomSlug, toSessionInfo } from './session.mapper';
import { SessionRepository, type SessionRow } from './session.repository';
import type { SessionInfo } from './session.types';

export interface CreateSessionInput {
  parentID?: string;
  title?: string;
  agent?: string;
  model?: { id: string; providerID: string; variant?: string };
  permission?: SessionInfo['permission'];
  metadata?: Record<string, unknown>;
  workspaceID?: string;
}

export interface ListSessionsInput {
  directory?: string;
  workspace?: string;
  scope?: string;
  /** OpenCode's folder filter: the session's cwd relative to the project, this folder or below. */
  path?: string;
  roots?: boolean;
  start?: number;
  /** Only sessions updated strictly before this time (ms): the cross-project list's cursor. */
  before?: number;
  search?: string;
  limit?: number;
  archived?: boolean;
}

/** `?path=` as a folder relative to the project ('' and '.' mean all); leaving the project is a 400. */
function sessionPathFilter(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const normalized = raw
    .replace(/\\/g, '/')
    .replace(/^(\.\/)+/, '')
    .replace(/\/+$/, '');
  if (normalized === '' || normalized === '.') return undefined;
  if (normalized.startsWith('/') || normalized.split('/').includes('..'))
    throw new BadRequestError('`path` is a folder relative to the project: no leading / and no ..', { path: raw });
  return normalized;
}

/** Session CRUD and access rules. Students reach only their own sessions; admins the tenant's. */
@Injectable()
export class SessionService {
  constructor(
    private readonly sessions: SessionRepository,
    private readonly messages: MessageRepository,
    private readonly projects: ProjectService,
    private readonly bus: EventBus,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(TEACHER_SCOPE) private readonly roster: TeacherScope,
    private readonly limits: RequestLimitService,
  ) {}

  /** Loads a session the caller may read; anything else (other tenant, malformed id, not theirs) is 404. */
  async load(auth: AuthContext, id: string): Promise<SessionRow> {
    const row = isId('session', id) ? await this.sessions.find(auth.tenantId, id) : null;
    if (!row || !(await this.canRead(auth, row))) throw new NotFoundError(`Session not found: ${id}`);
    return row;
  }

  /** Same, for changes: teachers watch their students' sessions but do not write to them. */
  async loadForWrite(auth: AuthContext, id: string): Promise<SessionRow> {
    const row = await this.load(auth, id);
    if (!this.canWrite(auth, row)) throw new ForbiddenError('Read-only access to this session', 'read_only');
    return row;
  }

  /** Admins: the tenant; everyone: their own; teachers also (read-only) the students of the classes they teach. */
  async canRead(auth: AuthContext, row: SessionRow): Promise<boolean> {
    if (row.tenantId !== auth.tenantId) return false;
    if (auth.role === 'admin' || row.userId === auth.userId) return true;
    return auth.role === 'teacher' && !!(await this.roster.teaches(auth, row.userId));
  }

  /** The same rule as canRead, for many owners at once (status listings). */
  async ownerFilter(auth: AuthContext): Promise<(ownerId: string | null) => boolean> {
    const watched = auth.role === 'teacher' ? await this.roster.watchedUserIds(auth) : new Set<string>();
    return (ownerId) => auth.role === 'admin' || ownerId === auth.userId || (!!ownerId && watched.has(ownerId));
  }

  canWrite(auth: AuthContext, row: SessionRow): boolean {
    return row.tenantId === auth.tenantId && (auth.role === 'admin' || row.userId === auth.userId);
  }

  async create(auth: AuthContext, input: CreateSessionInput, directory?: string): Promise<SessionInfo> {
    await this.limits.assertSessionRules(auth.tenantId, input.permission);
    const parent = input.parentID ? await this.loadForWrite(auth, input.parentID) : undefined;
    const project = parent
      ? await this.projects.get(auth, parent.projectId, 'write')
      : await this.projects.resolve(auth, directory, 'write');
    const now = new Date();
    const row = await this.sessions.create({
      id: newId('session', { at: now.getTime() }),
      tenantId: auth.tenantId,
      projectId: project.id,
      userId: parent?.userId ?? auth.userId,
      parentId: parent?.id,
      slug: randomSlug(),
      title: input.title ?? defaultTitle(!!parent, now),
      directory: this.projects.worktree(project),
      version: VERSION,
      agent: input.agent,
      model: input.model,
      permission: input.permission,
      metadata: input.metadata as object,
      workspaceId: input.workspaceID,
      createdAt: now,
      updatedAt: now,
    });
    const info = toSessionInfo(row);
    this.publish(row, EventType.SessionCreated, { sessionID: row.id, info });
    return info;
  }

  async get(auth: AuthContext, id: string): Promise<SessionInfo> {
    return toSessionInfo(await this.load(auth, id));
  }

  async list(auth: AuthContext, input: ListSessionsInput): Promise<SessionInfo[]> {
    const projectId =
      input.scope === 'project' || !input.directory
        ? undefined
        : (await this.projects.resolve(auth, input.directory)).id;
    const rows = await this.sessions.list(auth.tenantId, {
      projectId,
      workspaceId: input.workspace || undefined,
      userId: auth.role === 'student' ? auth.userId : undefined,
      ownerIds: auth.role === 'teacher' ? [auth.userId, ...(await this.roster.watchedUserIds(auth))] : undefined,
      roots: input.roots,
      search: input.search,
      path: sessionPathFilter(input.path),
      start: input.start !== undefined ? new Date(input.start) : undefined,
      before: input.before !== undefined ? new Date(input.before) : undefined,
      archived: input.archived,
      limit: Math.min(input.limit ?? 100, 1000),
    });
    return rows.map(toSessionInfo);
  }

  async children(auth: AuthContext, id: string): Promise<SessionInfo[]> {
    const parent = await this.load(auth, id);
    const rows = await this.sessions.list(auth.tenantId, { parentId: parent.id, limit: 1000 });
    return rows.map(toSessionInfo);
  }

  async update(
    auth: AuthContext,
    id: string,
    input: {
      title?: string;
      permission?: SessionInfo['permission'];
      time?: { archived?: number | null };
      metadata?: Record<string, unknown>;
    },
  ): Promise<SessionInfo> {
    const row = await this.loadForWrite(auth, id);
    const permission = input.permission
      ? [...((row.permission as SessionInfo['permission']) ?? []), ...input.permission]
      : undefined;
    await this.limits.assertSessionRules(auth.tenantId, permission);
    const archivedAt =
      input.time && 'archived' in input.time ? (input.time.archived ? new Date(input.time.archived) : null) : undefined;
    const updated = (await this.sessions.update(auth.tenantId, id, {
      title: input.title,
      permission,
      archivedAt,
      metadata: input.metadata as object | undefined,
      updatedAt: new Date(),
    }))!;
    return this.emitUpdated(updated);
  }

  /** Updates the row, publishes `session.updated` and returns the row as stored. */
  async touch(
    tenantId: string,
    id: string,
    data: Parameters<SessionRepository['update']>[2] = {},
  ): Promise<SessionRow | null> {
    const row = await this.sessions.update(tenantId, id, { ...data, updatedAt: new Date() });
    if (row) this.emitUpdated(row);
    return row;
  }

  emitUpdated(row: SessionRow): SessionInfo {
    const info = toSessionInfo(row);
    this.publish(row, EventType.SessionUpdated, { sessionID: row.id, info });
    return info;
  }

  async remove(auth: AuthContext, id: string, beforeDelete: (sessionId: string) => Promise<void>): Promise<boolean> {
    const row = await this.loadForWrite(auth, id);
    const ids = [...(await this.sessions.descendants(auth.tenantId, id)).reverse(), id];
    for (const sid of ids) {
      await beforeDelete(sid);
      const child = sid === id ? row : await this.sessions.find(auth.tenantId, sid);
      if (!child) continue;
      await this.sessions.delete(auth.tenantId, sid);
      this.publish(child, EventType.SessionDeleted, { sessionID: sid, info: toSessionInfo(child) });
    }
    return true;
  }

  async todos(auth: AuthContext, id: string) {
    await this.load(auth, id);
    return this.messages.getTodos(auth.tenantId, id);
  }

  publish(row: EventRow, type: string, properties: Record<string, unknown>): void {
    this.bus.publish({ ...routed(row, properties), type });
  }

  /** A streamed piece of a part's text; an answer's first settles once this process's streams have it. */
  publishDelta(row: EventRow, properties: Record<string, unknown>): Promise<void> | undefined {
    // One object per token: this runs for every piece of every stream.
    return this.bus.publishDelta(routed(row, properties));
  }
}

type EventRow = Pick<SessionRow, 'id' | 'tenantId' | 'userId' | 'projectId' | 'directory'>;

/** A session's event without its type: routed to the session's school, owner and project. */
function routed(row: EventRow, properties: Record<string, unknown>) {
  return {
    tenantId: row.tenantId,
    sessionId: row.id,
    ownerId: row.userId ?? undefined,
    projectId: row.projectId,
    directory: row.directory,
    properties,
  };
}
