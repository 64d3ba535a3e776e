import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { EventModule } from '../event/event.module';
import { BootstrapService } from './bootstrap.service';
import { TenantController } from './tenant.controller';
import { TenantRepository } from './tenant.repository';
import { TenantService } from './tenant.service';
import { UserController } from './user.controller';

@Module({
  imports: [AuthModule, AuditModule, EventModule],
  controllers: [TenantController, UserController],
  providers: [TenantService, TenantRepository, BootstrapService],
  exports: [TenantService, BootstrapService],
})
export class TenantModule {}
