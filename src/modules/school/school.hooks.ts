import { Injectable, OnModuleInit } from '@nestjs/common';
import { SessionHooks } from '../session/session.hooks';
import { BudgetEnforcerService } from './budget/budget-enforcer.service';
import { UsageRecorder } from './usage/usage.recorder';

/** Plugs budgets and usage records into the extension points of the session loop. */
@Injectable()
export class SchoolHooks implements OnModuleInit {
  constructor(
    private readonly session: SessionHooks,
    private readonly budgets: BudgetEnforcerService,
    private readonly usage: UsageRecorder,
  ) {}

  onModuleInit(): void {
    this.session.beforePrompt.push((auth, row) => this.budgets.beforePrompt(auth, row));
    this.session.afterStep.push((u) => this.usage.afterStep(u));
  }
}
