import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { EventModule } from '../event/event.module';
import { BootstrapService } from './bootstrap.service';
import { LimitCounter } from './limits/limit-counter';
import { LimitsController } from './limits/limits.controller';
import { LimitsRepository } from './limits/limits.repository';
import { LimitsService } from './limits/limits.service';
import { RequestLimitService } from './limits/request-limit.service';
import { TenantController } from './tenant.controller';
import { TenantRepository } from './tenant.repository';
import { TenantService } from './tenant.service';
import { UserController } from './user.controller';

@Module({
  imports: [AuthModule, AuditModule, EventModule],
  controllers: [TenantController, UserController, LimitsController],
  providers: [
    TenantService,
    TenantRepository,
    BootstrapService,
    LimitsRepository,
    LimitsService,
    LimitCounter,
    RequestLimitService,
  ],
  exports: [TenantService, BootstrapService, LimitsService, RequestLimitService],
})
export class TenantModule {}
