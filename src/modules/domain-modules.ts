import type { DynamicModule, Type } from '@nestjs/common';
import { AuthModule } from './auth/auth.module';
import { EventModule } from './event/event.module';
import { HealthModule } from './health/health.module';
import { ProjectModule } from './project/project.module';
import { TenantModule } from './tenant/tenant.module';

/** Every domain module, composed by both entrypoints (STYLE rule 11). */
export function domainModules(): (Type | DynamicModule)[] {
  return [AuthModule, EventModule, ProjectModule, TenantModule, HealthModule];
}
