import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { AuthContext } from '../../core/auth/auth-context';
import { LOGGER } from '../../core/logging/logger';
import { ConfigService } from '../config/config.service';
import { EventBus } from '../event/event.bus';
import { ProjectService, type ProjectInfo } from '../project/project.service';
import { SessionFacade } from '../session/session.facade';
import type { SessionInfo } from '../session/session.types';
import { WorkspaceManager } from '../workspace/workspace-manager';
import type { CapabilitiesDto, LogEntryDto } from './dto/compat.dto';

export type GlobalSession = SessionInfo & { project: Pick<ProjectInfo, 'id' | 'name' | 'worktree'> | null };

export interface GlobalSessionQuery {
  roots?: boolean;
  start?: number;
  cursor?: number;
  search?: string;
  limit?: number;
  archived?: boolean;
}

/**
 * OpenCode's instance-level operations, translated for a server where an "instance" is a project workspace of one
 * school: client log lines, dispose (drop what is cached for a project so the next request reloads it), the
 * capability flags, and the session list across the caller's projects.
 */
@Injectable()
export class CompatService {
  constructor(
    private readonly projects: ProjectService,
    private readonly sessions: SessionFacade,
    private readonly config: ConfigService,
    private readonly workspaces: WorkspaceManager,
    private readonly bus: EventBus,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** A client's log line in the server log, tagged with who sent it (clients never choose the tenant or user). */
  log(auth: AuthContext, entry: LogEntryDto): boolean {
    const fields = { client: entry.service, tenantId: auth.tenantId, userId: auth.userId, extra: entry.extra };
    this.logger[entry.level](fields, entry.message);
    return true;
  }

  /** Reloads the project's config and workspace handle on the next request; running turns are not touched. */
  async disposeInstance(auth: AuthContext, directory?: string): Promise<boolean> {
    const project = await this.projects.resolve(auth, directory);
    this.config.invalidate();
    this.workspaces.evict(project.tenantId, project.slug);
    this.bus.publish({
      tenantId: project.tenantId,
      projectId: project.id,
      ownerId: project.ownerId ?? undefined,
      directory: this.projects.worktree(project),
      type: 'server.instance.disposed',
      properties: { directory: this.projects.worktree(project) },
    });
    return true;
  }

  /** Every instance the caller can see: their projects' cached state is dropped (config is cached process-wide). */
  async disposeAll(auth: AuthContext): Promise<boolean> {
    this.config.invalidate();
    for (const p of await this.projects.list(auth)) await this.disposeInstance(auth, p.worktree);
    return true;
  }

  capabilities(): CapabilitiesDto {
    // Subagents run inside their parent's turn here; none can be sent to the background yet.
    return { backgroundSubagents: false };
  }

  /** Nothing to detach while backgroundSubagents is false; the session is still checked like any write. */
  async background(auth: AuthContext, sessionId: string): Promise<boolean> {
    await this.sessions.writable(auth, sessionId);
    return false;
  }

  /** Newest update first, archived sessions left out unless asked for; `nextCursor` when a page is full. */
  async sessionsAcrossProjects(
    auth: AuthContext,
    q: GlobalSessionQuery,
  ): Promise<{ sessions: GlobalSession[]; nextCursor?: number }> {
    const limit = q.limit ?? 100;
    const rows = await this.sessions.list(auth, {
      roots: q.roots,
      start: q.start,
      before: q.cursor,
      search: q.search,
      limit,
      archived: q.archived ?? false,
    });
    const projects = new Map((await this.projects.list(auth)).map((p) => [p.id, p]));
    const sessions = rows.map((s) => {
      const p = projects.get(s.projectID);
      return { ...s, project: p ? { id: p.id, worktree: p.worktree, ...(p.name ? { name: p.name } : {}) } : null };
    });
    const last = rows.at(-1);
    return { sessions, ...(rows.length === limit && last ? { nextCursor: last.time.updated } : {}) };
  }
}
