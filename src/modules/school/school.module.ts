import { Global, Module } from '@nestjs/common';
import { TEACHER_SCOPE } from '../../core/auth/teacher-scope.port';
import { TenantModule } from '../tenant/tenant.module';
import { AuditController } from './audit/audit.controller';
import { AuditRepository } from './audit/audit.repository';
import { AuditService } from './audit/audit.service';
import { BudgetEnforcerService } from './budget/budget-enforcer.service';
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
import { UsageRecorder } from './usage/usage.recorder';
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
    RateLimitService,
    UsageRepository,
    UsageRecorder,
    UsageService,
    LifecycleRepository,
    LifecycleService,
    SchoolHooks,
    { provide: TEACHER_SCOPE, useExisting: ClassRosterService },
  ],
  exports: [AuditService, ClassRosterService, RateLimitService, TEACHER_SCOPE],
})
export class SchoolModule {}
