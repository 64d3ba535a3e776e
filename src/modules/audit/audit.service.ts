import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { AuthContext } from '../../core/auth/auth-context';
import { currentRequestId } from '../../core/http/request-context';
import { newId } from '../../core/ids';
import { LOGGER } from '../../core/logging/logger';
import { AuditRepository, type AuditFilter, type AuditRow } from './audit.repository';

/** Actions other modules record; free-form strings are allowed too, these are the ones we emit today. */
export type AuditAction =
  | 'permission.reply'
  | 'config.update'
  | 'agent.create'
  | 'agent.update'
  | 'agent.delete'
  | 'key.create'
  | 'key.revoke'
  | 'session.share'
  | 'session.unshare'
  | 'session.abort.teacher'
  | 'session.delete'
  | 'class.create'
  | 'class.update'
  | 'class.settings'
  | 'class.delete'
  | 'class.member.add'
  | 'class.member.remove'
  | 'budget.set'
  | 'budget.delete'
  | 'allowance.set'
  | 'allowance.delete'
  | 'retention.run'
  | 'limits.update'
  | 'jwt.configure'
  | 'tenant.settings'
  | 'user.delete'
  | 'user.export'
  | 'user.data.delete'
  | 'sandbox.unsandboxed_run'
  | 'assignment.create'
  | 'assignment.update'
  | 'assignment.delete'
  | 'assignment.starter'
  | 'assignment.open'
  | 'assignment.collect'
  | 'assignment.download'
  | 'workspace.upload'
  | 'teacher.note'
  | 'teacher.permission.reply'
  | 'teacher.question.reply'
  | 'teacher.question.reject';

export interface AuditEntry {
  id: string;
  actorId: string | null;
  action: string;
  target: string | null;
  details: unknown;
  requestId: string | null;
  time: number;
}

/** Who did what. Recording never fails the action it describes: a lost audit row is logged loudly instead. */
@Injectable()
export class AuditService {
  constructor(
    private readonly repo: AuditRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async record(
    auth: AuthContext,
    action: AuditAction,
    target?: string | null,
    details: Record<string, unknown> = {},
  ): Promise<void> {
    const row = {
      id: newId('audit'),
      tenantId: auth.tenantId,
      actorId: auth.userId === 'system' ? null : auth.userId,
      action,
      target: target ?? null,
      details: { ...details, ...(auth.keyId ? { keyId: auth.keyId } : {}) },
      requestId: currentRequestId() ?? null,
    };
    await this.repo.append(row).catch((err) => this.logger.error({ err, action, target }, 'audit record lost'));
  }

  async list(auth: AuthContext, f: Partial<AuditFilter>): Promise<AuditEntry[]> {
    const rows = await this.repo.list(auth.tenantId, { ...f, limit: Math.min(f.limit ?? 100, 1000) });
    return rows.map(toEntry);
  }
}

function toEntry(r: AuditRow): AuditEntry {
  return {
    id: r.id,
    actorId: r.actorId,
    action: r.action,
    target: r.target,
    details: r.details,
    requestId: r.requestId,
    time: r.createdAt.getTime(),
  };
}
