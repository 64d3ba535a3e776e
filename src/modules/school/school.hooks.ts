import { Injectable, OnModuleInit } from '@nestjs/common';
import { SessionHooks } from '../session/session.hooks';
import { AllowanceService } from './allowance/allowance.service';
import { BudgetEnforcerService } from './budget/budget-enforcer.service';

/**
 * Plugs the budget door (prompt count, spent budgets) into the session's prompt intake, and tells the session's
 * owner what is left of their allowances after each turn (`budget.updated`).
 */
@Injectable()
export class SchoolHooks implements OnModuleInit {
  constructor(
    private readonly session: SessionHooks,
    private readonly budgets: BudgetEnforcerService,
    private readonly allowances: AllowanceService,
  ) {}

  onModuleInit(): void {
    this.session.beforePrompt.push((auth, row) => this.budgets.beforePrompt(auth, row));
    this.session.afterLoop.push(async (auth, row) => {
      if (row.userId) await this.allowances.publishState(auth.tenantId, row.userId, row.id);
    });
  }
}
