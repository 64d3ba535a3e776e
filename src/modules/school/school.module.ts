import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { EventModule } from '../event/event.module';
import { SessionModule } from '../session/session.module';
import { TenantModule } from '../tenant/tenant.module';
import { AllowanceController, MyAllowanceController } from './allowance/allowance.controller';
import { AllowanceRepository } from './allowance/allowance.repository';
import { AllowanceService } from './allowance/allowance.service';
import { BudgetCounterRepository } from './budget/budget-counter.repository';
import { BudgetReservationRepository } from './budget/budget-reservation.repository';
import { BudgetEnforcerService } from './budget/budget-enforcer.service';
import { BudgetMeterService } from './budget/budget-meter.service';
import { BudgetController } from './budget/budget.controller';
import { BudgetRepository } from './budget/budget.repository';
import { BudgetService } from './budget/budget.service';
import { ClassRosterService } from './class/class-roster.service';
import { ClassController } from './class/class.controller';
import { ClassRepository } from './class/class.repository';
import { ClassService } from './class/class.service';
import { AccessModule } from '../access/access.module';
import { AgentModule } from '../agent/agent.module';
import { ConfigModule } from '../config/config.module';
import { ToolModule } from '../tool/tool.module';
import { PolicyValidator } from './class/policy-validator';
import { DisclosureService } from './lifecycle/disclosure.service';
import { LifecycleRepository } from './lifecycle/lifecycle.repository';
import { LifecycleService } from './lifecycle/lifecycle.service';
import { UsageController } from './usage/usage.controller';
import { UsageRepository } from './usage/usage.repository';
import { UsageService } from './usage/usage.service';

/**
 * Classes, budgets, usage reports and data lifecycle. Lower modules reach its answers through ports
 * bound in ports.module.ts: the roster (TEACHER_SCOPE), user deletion, the LLM
 * meter (LLM_METER), the concurrency limits (RUN_LIMITS), the budget door of the prompt intake (PROMPT_GUARDS) and the
 * allowance state after each turn (LOOP_FINISHERS).
 */
@Module({
  imports: [TenantModule, SessionModule, EventModule, AuditModule, AccessModule, AgentModule, ConfigModule, ToolModule],
  controllers: [ClassController, BudgetController, AllowanceController, MyAllowanceController, UsageController],
  providers: [
    ClassRepository,
    ClassService,
    ClassRosterService,
    PolicyValidator,
    BudgetRepository,
    BudgetService,
    BudgetEnforcerService,
    BudgetCounterRepository,
    BudgetReservationRepository,
    BudgetMeterService,
    AllowanceRepository,
    AllowanceService,
    UsageRepository,
    UsageService,
    LifecycleRepository,
    LifecycleService,
    DisclosureService,
  ],
  exports: [
    ClassRosterService,
    PolicyValidator,
    LifecycleService,
    BudgetMeterService,
    BudgetEnforcerService,
    UsageService,
    DisclosureService,
    AllowanceService,
  ],
})
export class SchoolModule {}
