import { Injectable } from '@nestjs/common';
import type { AuthContext } from '../../../core/auth/auth-context';
import { BadRequestError, NotFoundError } from '../../../core/errors/domain-error';
import { isId, newId } from '../../../core/ids';
import { AuditService } from '../../audit/audit.service';
import { BudgetEnforcerService } from './budget-enforcer.service';
import { BudgetRepository, type BudgetRow } from './budget.repository';
import type { BudgetMetric } from './budget.metrics';
import type { BudgetDto } from './dto/budget.dto';

function toDto(r: BudgetRow): BudgetDto {
  return { id: r.id, scope: r.scope, metric: r.metric, limit: r.limit.toFixed(), updated: r.updatedAt.getTime() };
}

/** Budget rows of a tenant (admins only); enforcement lives in BudgetEnforcerService. */
@Injectable()
export class BudgetService {
  constructor(
    private readonly repo: BudgetRepository,
    private readonly audit: AuditService,
    private readonly enforcer: BudgetEnforcerService,
  ) {}

  async list(auth: AuthContext): Promise<BudgetDto[]> {
    return (await this.repo.list(auth.tenantId)).map(toDto);
  }

  async set(auth: AuthContext, input: { scope: string; metric: BudgetMetric; limit: string }): Promise<BudgetDto> {
    if (!input.metric.startsWith('cost') && input.limit.includes('.'))
      throw new BadRequestError(`${input.metric} takes a whole number`);
    const [kind, id] = input.scope.split(':');
    if ((kind === 'class' || kind === 'user') && !(await this.repo.exists(auth.tenantId, kind, id)))
      throw new NotFoundError(`${kind === 'class' ? 'Class' : 'User'} not found: ${id}`);
    const row = await this.repo.upsert({ id: newId('budget'), tenantId: auth.tenantId, ...input });
    this.enforcer.forget(auth.tenantId);
    await this.audit.record(auth, 'budget.set', row.id, {
      scope: row.scope,
      metric: row.metric,
      limit: row.limit.toFixed(),
    });
    return toDto(row);
  }

  async remove(auth: AuthContext, id: string): Promise<boolean> {
    if (!(isId('budget', id) && (await this.repo.delete(auth.tenantId, id))))
      throw new NotFoundError(`Budget not found: ${id}`);
    this.enforcer.forget(auth.tenantId);
    await this.audit.record(auth, 'budget.delete', id);
    return true;
  }
}
