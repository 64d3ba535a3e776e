import { Injectable } from '@nestjs/common';
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

  /** Runs after the tenant module soft-deleted the user (and revoked their keys). */
  async afterUserDeleted(auth: AuthContext, userId: string): Promise<void> {
    const policy = await this.repo.deletionPolicy(auth.tenantId);
    let removed = 0;
    if (policy === 'delete') {
      for (const id of await this.repo.rootSessionIds(auth.tenantId, userId)) {
        await this.sessions.remove(auth, id, async (sid) => {
          const row = await this.sessionRepo.find(auth.tenantId, sid);
          if (row) await this.runs.abort(row);
        });
        removed++;
      }
    }
    await this.repo.anonymiseUser(auth.tenantId, userId);
    await this.audit.record(auth, 'user.delete', userId, { policy, sessionsRemoved: removed });
  }
}
