import { Injectable, OnModuleInit } from '@nestjs/common';
import { SessionHooks } from '../session/session.hooks';
import { BudgetEnforcerService } from './budget/budget-enforcer.service';

/** Plugs the budget door (prompt count, spent budgets) into the session's prompt intake. */
@Injectable()
export class SchoolHooks implements OnModuleInit {
  constructor(
    private readonly session: SessionHooks,
    private readonly budgets: BudgetEnforcerService,
  ) {}

  onModuleInit(): void {
    this.session.beforePrompt.push((auth, row) => this.budgets.beforePrompt(auth, row));
  }
}
