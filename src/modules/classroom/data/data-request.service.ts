import { Inject, Injectable, StreamableFile } from '@nestjs/common';
import type { Readable } from 'node:stream';
import type { AuthContext } from '../../../core/auth/auth-context';
import { APP_CONFIG, type AppConfig } from '../../../core/config/app-config';
import { ForbiddenError, NotFoundError } from '../../../core/errors/domain-error';
import { isId } from '../../../core/ids';
import { QueueService } from '../../../infra/queue/queue.service';
import { AuditService } from '../../audit/audit.service';
import { EventBus } from '../../event/event.bus';
import type { EventEnvelope } from '../../event/event.types';
import { exists, projectDirs, removeTree } from '../../school/lifecycle/data-dirs';
import { LifecycleService, type UserExport } from '../../school/lifecycle/lifecycle.service';
import { TenantService } from '../../tenant/tenant.service';
import { ClassroomStore } from '../assignment/classroom-store';
import { DataRequestRepository } from './data-request.repository';
import type { ErasureReportDto } from './dto/data-request.dto';
import { exportArchive } from './export-archive';

export type FullExport = UserExport & {
  usage: unknown[];
  audit: unknown[];
  workspaces: { projectID: string; name: string; directory: string }[];
};

/**
 * A person's data on request: everything about them in one call, and an erasure that removes it wherever it lives
 * (rows, workspace folders, snapshot repositories, collected submissions, the event replay window, stored jobs),
 * then counts again and reports both.
 */
@Injectable()
export class DataRequestService {
  constructor(
    private readonly repo: DataRequestRepository,
    private readonly lifecycle: LifecycleService,
    private readonly tenants: TenantService,
    private readonly store: ClassroomStore,
    private readonly bus: EventBus,
    private readonly queues: QueueService,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async export(auth: AuthContext, userId: string): Promise<FullExport> {
    const base = await this.lifecycle.export(auth, userId);
    const [usage, audit, projects] = await Promise.all([
      this.repo.usage(auth.tenantId, userId),
      this.repo.audit(auth.tenantId, userId),
      this.repo.ownedProjects(auth.tenantId, userId),
    ]);
    return {
      ...base,
      usage: usage.map((u) => ({ ...u, day: u.day.toISOString().slice(0, 10), cost: u.cost.toFixed() })),
      audit: audit.map((a) => ({ ...a, createdAt: a.createdAt.getTime() })),
      workspaces: projects.map((p) => ({ projectID: p.id, name: p.name ?? p.slug, directory: p.slug })),
    };
  }

  /** The JSON, or the archive as a download. */
  async exportFor(auth: AuthContext, userId: string, format: 'json' | 'tar.gz'): Promise<FullExport | StreamableFile> {
    if (format === 'json') return this.export(auth, userId);
    const { stream, filename } = await this.exportArchive(auth, userId);
    return new StreamableFile(stream, { type: 'application/gzip', disposition: `attachment; filename="${filename}"` });
  }

  async exportArchive(auth: AuthContext, userId: string): Promise<{ stream: Readable; filename: string }> {
    const json = await this.export(auth, userId);
    const workspaces = await Promise.all(
      json.workspaces.map(async (w) => ({
        name: w.directory,
        dir: projectDirs(this.config, auth.tenantId, { id: w.projectID, slug: w.directory }).workspace,
      })),
    );
    const present = [];
    for (const w of workspaces) if (await exists(w.dir)) present.push(w);
    return { stream: exportArchive(json, present), filename: `export-${userId}.tar.gz` };
  }

  async erase(auth: AuthContext, userId: string): Promise<ErasureReportDto> {
    const user = isId('user', userId) ? await this.repo.findUser(auth.tenantId, userId) : null;
    if (!user) throw new NotFoundError(`User not found: ${userId}`);
    if (user.id === auth.userId) throw new ForbiddenError('You cannot erase yourself');
    if (user.platformAdmin && !auth.platformAdmin)
      throw new ForbiddenError('Platform administrators are managed by platform administrators only', 'platform_admin');
    const t = auth.tenantId;
    const sessionIds = await this.repo.sessionIds(t, userId);
    const projects = await this.repo.ownedProjects(t, userId);
    const dirs = projects.map((p) => projectDirs(this.config, t, p));
    const before = {
      ...(await this.repo.contentCounts(t, sessionIds)),
      workspaceDirs: await countExisting(dirs.map((d) => d.workspace)),
      snapshotRepos: await countExisting(dirs.map((d) => d.snapshot)),
    };
    const sessions = new Set(sessionIds);
    const aboutThem = (e: EventEnvelope) =>
      e.tenantId === t &&
      (e.ownerId === userId ||
        (!!e.sessionId && sessions.has(e.sessionId)) ||
        JSON.stringify(e.event.properties).includes(userId));
    const theirJob = (data: Record<string, unknown>) =>
      data.tenantId === t && (data.userId === userId || sessions.has(data.sessionId as string));

    // The account first (keys revoked, streams closed, the school's deletion policy), then everything else.
    if (!user.deletedAt) await this.tenants.deleteUser(auth, userId);
    await this.lifecycle.removeSessions(auth, userId);
    const workspaces = await this.lifecycle.removeWorkspaces(t, userId);
    const collectionFolders = await this.removeSubmissions(t, userId);
    const usageRecordsDetached = await this.repo.detachUsage(t, userId);
    const rows = await this.repo.removeUserRows(t, userId);
    const replayEvents = await this.bus.purge(aboutThem);
    const jobs = await this.queues.removeJobs(theirJob);

    const left = await this.repo.remaining(t, userId, sessionIds);
    // A second pass finds what the first left (a job enqueued meanwhile): it should find nothing.
    const again = await this.queues.removeJobs(theirJob);
    const verified = {
      ...left,
      workspaceDirs: await countExisting(dirs.map((d) => d.workspace)),
      snapshotRepos: await countExisting(dirs.map((d) => d.snapshot)),
      collectionFolders: (await this.repo.collectionsOf(t, userId)).length,
      replayEvents: await this.bus.count(aboutThem),
      queuedJobs: again.removed,
      runningJobs: again.active,
    };
    const { runningJobs: _running, ...mustBeZero } = verified;
    const report: ErasureReportDto = {
      userID: userId,
      erasedAt: Date.now(),
      removed: {
        sessions: sessionIds.length,
        messages: before.messages,
        parts: before.parts,
        projects: Math.max(workspaces.projects, projects.length),
        workspaceDirs: before.workspaceDirs,
        snapshotRepos: before.snapshotRepos,
        collectionFolders,
        usageRecordsDetached,
        ...rows,
        replayEvents,
        queuedJobs: jobs.removed,
      },
      kept: { auditEntries: (await this.repo.audit(t, userId)).length, user: 'anonymised' },
      verified,
      complete: Object.values(mustBeZero).every((n) => n === 0),
    };
    await this.audit.record(auth, 'user.data.delete', userId, { removed: report.removed, complete: report.complete });
    return report;
  }

  /** Their folder in every collected submission, and their line in its summary. */
  private async removeSubmissions(tenantId: string, userId: string): Promise<number> {
    let removed = 0;
    for (const c of await this.repo.collectionsOf(tenantId, userId)) {
      if (await removeTree(this.store.collectionDir(tenantId, c.assignmentId, c.id, userId))) removed++;
      const summary = (c.summary as { userId?: string }[]).filter((s) => s.userId !== userId);
      await this.repo.setCollectionSummary(tenantId, c.id, summary);
    }
    return removed;
  }
}

async function countExisting(paths: string[]): Promise<number> {
  let n = 0;
  for (const p of paths) if (await exists(p)) n++;
  return n;
}
