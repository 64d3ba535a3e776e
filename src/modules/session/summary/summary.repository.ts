import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../../infra/database/prisma.service';
import { Prisma } from '../../../generated/prisma/client';
import type { SnapshotFileDiff } from '../../snapshot/snapshot.types';
import { SessionRepository, type SessionRow } from '../session.repository';
import type { SessionInfo } from '../session.types';

/** The session columns owned by summary and revert: diff, summary totals, revert state. */
@Injectable()
export class SessionChangesRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly sessions: SessionRepository,
  ) {}

  async storeDiff(
    tenantId: string,
    id: string,
    diff: SnapshotFileDiff[],
    t: { additions: number; deletions: number; files: number },
  ): Promise<SessionRow | null> {
    // After every prompt: one UPDATE … RETURNING, not Prisma's transaction around an update and a read back.
    return this.sessions.update(tenantId, id, {
      diff: diff as unknown as Prisma.InputJsonValue,
      summaryAdditions: t.additions,
      summaryDeletions: t.deletions,
      summaryFiles: t.files,
      updatedAt: new Date(),
    });
  }

  /** Rewrites a stored message's JSON only if it still exists (a revert cleanup may have removed it meanwhile). */
  async updateMessageData(tenantId: string, sessionId: string, id: string, data: object): Promise<boolean> {
    const r = await this.prisma.message.updateMany({
      where: { tenantId, sessionId, id },
      data: { data: data as Prisma.InputJsonValue },
    });
    return r.count > 0;
  }

  async setRevert(tenantId: string, id: string, revert: SessionInfo['revert'] | null): Promise<SessionRow | null> {
    const r = await this.prisma.session.updateMany({
      where: { tenantId, id },
      data: { revert: revert ? (revert as Prisma.InputJsonValue) : Prisma.DbNull, updatedAt: new Date() },
    });
    return r.count ? this.prisma.session.findFirst({ where: { tenantId, id } }) : null;
  }
}
