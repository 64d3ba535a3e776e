import { Injectable } from '@nestjs/common';
import type { AuthContext } from '../../../core/auth/auth-context';
import { TtlCache } from '../../../core/cache/ttl-cache';
import { BadRequestError, NotFoundError, TooManyRequestsError } from '../../../core/errors/domain-error';
import { isId, newId } from '../../../core/ids';
import { Prisma } from '../../../generated/prisma/client';
import { AuditService } from '../../audit/audit.service';
import { EventBus } from '../../event/event.bus';
import { BudgetRepository } from '../budget/budget.repository';
import { bucketsOf, secondsUntil, type AllowancePeriod, type AllowanceUnit, type Bucket } from './allowance.policy';
import { AllowanceRepository, type AllowanceRow } from './allowance.repository';
import type { SessionRow } from '../../session/session.repository';
import type { LoopFinisher } from '../../session/session-extension.port';
import type { AllowanceDto, AllowanceStateDto, MyAllowanceDto } from './dto/allowance.dto';

export const BUDGET_UPDATED = 'budget.updated';

function toDto(r: AllowanceRow): AllowanceDto {
  return {
    id: r.id,
    scope: r.scope,
    unit: r.unit as AllowanceUnit,
    capacity: r.capacity.toFixed(),
    refill: r.refill.toFixed(),
    per: r.per as AllowancePeriod,
    updated: r.updatedAt.getTime(),
  };
}

/**
 * Refilling allowances: the admins' rows, the buckets a user draws from (read by the meter on every LLM call),
 * what a user has left, and the refusal a call gets when a bucket cannot take it.
 */
@Injectable()
export class AllowanceService implements LoopFinisher {
  /** Same horizon as the budgets' caches: a changed allowance counts everywhere within 5 s (at once here). */
  private readonly rows = new TtlCache<string, AllowanceRow[]>(5_000);
  private readonly roles = new TtlCache<string, string | null>(5_000);

  constructor(
    private readonly repo: AllowanceRepository,
    private readonly budgets: BudgetRepository,
    private readonly audit: AuditService,
    private readonly bus: EventBus,
  ) {}

  async list(auth: AuthContext): Promise<AllowanceDto[]> {
    return (await this.repo.list(auth.tenantId)).map(toDto);
  }

  async set(
    auth: AuthContext,
    input: { scope: string; unit: AllowanceUnit; capacity: string; refill: string; per: AllowancePeriod },
  ): Promise<AllowanceDto> {
    if (input.unit === 'tokens' && (input.capacity.includes('.') || input.refill.includes('.')))
      throw new BadRequestError('A token allowance takes whole numbers');
    if (new Prisma.Decimal(input.capacity).lte(0) || new Prisma.Decimal(input.refill).lte(0))
      throw new BadRequestError('capacity and refill must be greater than zero');
    const [kind, id] = input.scope.split(':');
    if ((kind === 'class' || kind === 'user') && !(await this.budgets.exists(auth.tenantId, kind, id)))
      throw new NotFoundError(`${kind === 'class' ? 'Class' : 'User'} not found: ${id}`);
    const row = await this.repo.upsert({ id: newId('allowance'), tenantId: auth.tenantId, ...input });
    this.rows.clear();
    await this.audit.record(auth, 'allowance.set', row.id, { ...input });
    return toDto(row);
  }

  async remove(auth: AuthContext, id: string): Promise<boolean> {
    if (!(isId('allowance', id) && (await this.repo.delete(auth.tenantId, id))))
      throw new NotFoundError(`Allowance not found: ${id}`);
    this.rows.clear();
    await this.audit.record(auth, 'allowance.delete', id);
    return true;
  }

  /** The buckets in force for a user (the meter's question on every call). */
  async bucketsFor(tenantId: string, userId: string): Promise<Bucket[]> {
    const role =
      (await this.roles.get(`${tenantId}\0${userId}`, () => this.budgets.userRole(tenantId, userId))) ?? 'student';
    const rows = await this.rows.get(`${tenantId}\0${userId}\0${role}`, () =>
      this.repo.forUser(tenantId, userId, role),
    );
    return bucketsOf(rows, userId, role);
  }

  /** What a user has left of each allowance in force and when each is full again. */
  async state(tenantId: string, userId: string): Promise<AllowanceStateDto[]> {
    const buckets = await this.bucketsFor(tenantId, userId);
    if (!buckets.length) return [];
    const levels = await this.repo.levels(tenantId, buckets);
    const now = Date.now();
    return buckets.map((b) => {
      const remaining = new Prisma.Decimal(levels.get(b.key) ?? b.capacity);
      const seconds = secondsUntil(b, remaining.toFixed(), b.capacity);
      return {
        allowanceID: b.allowanceId,
        scope: b.scope,
        unit: b.unit,
        capacity: b.capacity,
        refill: b.refill,
        per: b.per as AllowancePeriod,
        remaining: b.unit === 'tokens' ? remaining.floor().toFixed() : remaining.toFixed(),
        fullAt: seconds ? now + seconds * 1000 : null,
      };
    });
  }

  async mine(auth: AuthContext): Promise<MyAllowanceDto> {
    return { allowances: await this.state(auth.tenantId, auth.userId) };
  }

  /** After a turn: the owner's stream (and their teachers', admins') learns what is left. */
  /** After each turn, the session's owner learns what is left of their allowances (`budget.updated`). */
  async afterLoop(auth: AuthContext, row: SessionRow): Promise<void> {
    if (row.userId) await this.publishState(auth.tenantId, row.userId, row.id);
  }

  async publishState(tenantId: string, userId: string, sessionId?: string): Promise<void> {
    const allowances = await this.state(tenantId, userId);
    if (!allowances.length) return;
    this.bus.publish({
      tenantId,
      ownerId: userId,
      sessionId,
      type: BUDGET_UPDATED,
      properties: { userID: userId, ...(sessionId ? { sessionID: sessionId } : {}), allowances },
    });
  }

  /** The refusal of a call a bucket could not take: when to retry, in the body and (through the filter) the header. */
  refuse(b: Bucket, level: string, extra: Record<string, unknown> = {}): never {
    // Drawable again once it holds a token (or a millionth of a dollar).
    const retryAfter = Math.max(1, secondsUntil(b, level, b.unit === 'tokens' ? '1' : '0.000001'));
    const what = b.scope === 'tenant' ? 'the school' : b.scope.startsWith('class:') ? 'the class' : 'you';
    throw new TooManyRequestsError(
      `Allowance used up: ${b.unit} for ${what} (${b.capacity}, refilling ${b.refill} per ${b.per}); retry in ${retryAfter} s`,
      `allowance_${b.unit}`,
      {
        scope: b.scope,
        unit: b.unit,
        capacity: b.capacity,
        refill: b.refill,
        per: b.per,
        remaining: new Prisma.Decimal(level).toFixed(),
        ...extra,
        retryAfter,
        resetsAt: new Date(Date.now() + retryAfter * 1000).toISOString(),
      },
    );
  }
}
