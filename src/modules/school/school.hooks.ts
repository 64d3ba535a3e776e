import { Injectable, OnModuleInit } from '@nestjs/common';
import { EventStreamService } from '../event/event-stream.service';
import { SessionHooks } from '../session/session.hooks';
import { TenantService } from '../tenant/tenant.service';
import { BudgetEnforcerService } from './budget/budget-enforcer.service';
import { ClassRosterService } from './class/class-roster.service';
import { LifecycleService } from './lifecycle/lifecycle.service';

/** Plugs the school rules into the extension points of the session loop, the event stream and user deletion. */
@Injectable()
export class SchoolHooks implements OnModuleInit {
  constructor(
    private readonly session: SessionHooks,
    private readonly streams: EventStreamService,
    private readonly tenants: TenantService,
    private readonly budgets: BudgetEnforcerService,
    private readonly roster: ClassRosterService,
    private readonly lifecycle: LifecycleService,
  ) {}

  onModuleInit(): void {
    this.session.beforePrompt.push((auth, row) => this.budgets.beforePrompt(auth, row));
    this.streams.watchedUsers = (auth) => this.roster.watchedUserIds(auth);
    this.tenants.afterUserDelete.push((auth, id) => this.lifecycle.afterUserDeleted(auth, id));
  }
}
