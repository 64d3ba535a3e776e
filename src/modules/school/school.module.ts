import { Global, Module } from '@nestjs/common';
import { TenantModule } from '../tenant/tenant.module';
import { AuditController } from './audit/audit.controller';
import { AuditRepository } from './audit/audit.repository';
import { AuditService } from './audit/audit.service';
import { LLM_METER } from '../session/llm/llm-meter.port';
import { RUN_LIMITS } from '../session/run/run-limits.port';
import { BudgetCounterRepository } from './budget/budget-counter.repository';
import { BudgetEnforcerService } from './budget/budget-enforcer.service';
import { BudgetMeterService } from './budget/budget-meter.service';
import { BudgetController } from './budget/budget.controller';
import { BudgetRepository } from './budget/budget.repository';
import { BudgetService } from './budget/budget.service';
import { ClassRosterService } from './class/class-roster.service';
import { ClassController } from './class/class.controller';
import { ClassRepository } from './class/class.repository';
import { ClassService } from './class/class.service';
import { LifecycleController } from './lifecycle/lifecycle.controller';
import { LifecycleRepository } from './lifecycle/lifecycle.repository';
import { LifecycleService } from './lifecycle/lifecycle.service';
import { RateLimitService } from './rate-limit/rate-limit.service';
import { SchoolHooks } from './school.hooks';
import { UsageController } from './usage/usage.controller';
import { UsageRepository } from './usage/usage.repository';
import { UsageService } from './usage/usage.service';

/**
 * Classes, budgets, usage reports, audit log and data lifecycle. Global: sessions (teacher access), the auth
 * guard (rate limits) and other modules (audit records) reach its services without importing it.
 */
@Global()
@Module({
  imports: [TenantModule],
  controllers: [ClassController, BudgetController, UsageController, AuditController, LifecycleController],
  providers: [
    AuditRepository,
    AuditService,
    ClassRepository,
    ClassService,
    ClassRosterService,
    BudgetRepository,
    BudgetService,
    BudgetEnforcerService,
    BudgetCounterRepository,
    BudgetMeterService,
    { provide: LLM_METER, useExisting: BudgetMeterService },
    { provide: RUN_LIMITS, useExisting: BudgetEnforcerService },
    RateLimitService,
    UsageRepository,
    UsageService,
    LifecycleRepository,
    LifecycleService,
    SchoolHooks,
  ],
  exports: [AuditService, ClassRosterService, RateLimitService, LLM_METER, RUN_LIMITS],
})
export class SchoolModule {}
