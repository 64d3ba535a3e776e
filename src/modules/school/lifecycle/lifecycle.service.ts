import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../../core/config/app-config';
import { QueueService } from '../../../infra/queue/queue.service';
import { EventBus } from '../../event/event.bus';
import { projectDirs, removeTree, tenantDirs } from './data-dirs';
import type { AuthContext } from '../../../core/auth/auth-context';
import { NotFoundError } from '../../../core/errors/domain-error';
import { isId } from '../../../core/ids';
import { MessageRepository } from '../../session/message.repository';
import { SessionRunService } from '../../session/run/session-run.service';
import { toSessionInfo } from '../../session/session.mapper';
import { SessionRepository } from '../../session/session.repository';
import { SessionService } from '../../session/session.service';
import type { MessageWithParts, SessionInfo } from '../../session/session.types';
import { AuditService } from '../../audit/audit.service';
import { LifecycleRepository } from './lifecycle.repository';

export interface UserExport {
  exportedAt: number;
  user: { id: string; name: string; email: string | null; role: string; externalId: string | null; created: number };
  sessions: { info: SessionInfo; messages: MessageWithParts[] }[];
}

/** What happens to a person's data: export on request, removal or anonymisation when they are deleted. */
@Injectable()
export class LifecycleService {
  constructor(
    private readonly repo: LifecycleRepository,
    private readonly sessions: SessionService,
    private readonly sessionRepo: SessionRepository,
    private readonly messages: MessageRepository,
    private readonly runs: SessionRunService,
    private readonly audit: AuditService,
    private readonly bus: EventBus,
    private readonly queues: QueueService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async export(auth: AuthContext, userId: string): Promise<UserExport> {
    const user = isId('user', userId) ? await this.repo.findUser(auth.tenantId, userId) : null;
    if (!user || user.deletedAt) throw new NotFoundError(`User not found: ${userId}`);
    const sessions: UserExport['sessions'] = [];
    for (const id of await this.repo.sessionIds(auth.tenantId, userId)) {
      const row = await this.sessionRepo.find(auth.tenantId, id);
      if (!row) continue;
      const { items } = await this.messages.list(auth.tenantId, id);
      sessions.push({ info: toSessionInfo(row), messages: items });
    }
    await this.audit.record(auth, 'user.export', userId, { sessions: sessions.length });
    return {
      exportedAt: Date.now(),
      user: {
        id: user.id,
        name: user.name,
        email: user.email,
        role: user.role,
        externalId: user.externalId,
        created: user.createdAt.getTime(),
      },
      sessions,
    };
  }

  /**
   * Runs after the tenant module soft-deleted the user (and revoked their keys). Under the `delete` policy their
   * sessions and workspaces go, rows and files on disk.
   */
  async afterUserDeleted(auth: AuthContext, userId: string): Promise<void> {
    const policy = await this.repo.deletionPolicy(auth.tenantId);
    let removed = 0;
    let workspaces = 0;
    if (policy === 'delete') {
      removed = await this.removeSessions(auth, userId);
      workspaces = (await this.removeWorkspaces(auth.tenantId, userId)).projects;
    }
    await this.repo.anonymiseUser(auth.tenantId, userId);
    await this.audit.record(auth, 'user.delete', userId, { policy, sessionsRemoved: removed, workspaces });
  }

  /** Every root session of the user (children go with them), stopping any that runs. */
  async removeSessions(auth: AuthContext, userId: string): Promise<number> {
    return this.removeSessionIds(auth, await this.repo.rootSessionIds(auth.tenantId, userId));
  }

  /** These root sessions and their children, stopping any that runs. */
  async removeSessionIds(auth: AuthContext, ids: string[]): Promise<number> {
    let removed = 0;
    for (const id of ids) {
      await this.sessions.remove(auth, id, async (sid) => {
        const row = await this.sessionRepo.find(auth.tenantId, sid);
        if (row) await this.runs.abort(row);
      });
      removed++;
    }
    return removed;
  }

  /** The user's projects: rows, workspace folders, snapshot repositories and saved tool output on disk. */
  async removeWorkspaces(
    tenantId: string,
    userId: string,
  ): Promise<{ projects: number; workspaceDirs: number; snapshotRepos: number }> {
    return this.removeProjects(tenantId, await this.repo.ownedProjects(tenantId, userId));
  }

  /** Projects: rows, workspace folders, snapshot repositories and saved tool output on disk. */
  async removeProjects(
    tenantId: string,
    projects: { id: string; slug: string }[],
  ): Promise<{ projects: number; workspaceDirs: number; snapshotRepos: number }> {
    let workspaceDirs = 0;
    let snapshotRepos = 0;
    for (const p of projects) {
      const dirs = projectDirs(this.config, tenantId, p);
      if (await removeTree(dirs.workspace)) workspaceDirs++;
      if (await removeTree(dirs.snapshot)) snapshotRepos++;
      await removeTree(dirs.toolOutput);
    }
    const rows = await this.repo.deleteProjects(
      tenantId,
      projects.map((p) => p.id),
    );
    return { projects: rows, workspaceDirs, snapshotRepos };
  }

  /** A deleted school leaves nothing behind: its folders, its events in the replay window, its stored jobs. */
  async afterTenantDeleted(tenantId: string): Promise<void> {
    for (const dir of tenantDirs(this.config, tenantId)) await removeTree(dir);
    await this.bus.purge((e) => e.tenantId === tenantId);
    await this.queues.removeJobs((data) => data.tenantId === tenantId);
  }
}
