import { Controller, Get, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiDoc } from '../../core/http/api-doc.decorator';
import type { AuthContext } from '../../core/auth/auth-context';
import { Auth, PlatformAdminOnly, Public } from '../../core/auth/auth.decorators';
import { HealthJobResultDto, HealthDto, ReadinessDto } from './health.dto';
import { HealthService } from './health.service';

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(private readonly health: HealthService) {}

  /** OpenCode's liveness probe; public so orchestrators can call it. */
  @Public()
  @ApiDoc('Liveness', "OpenCode's health probe: `{healthy, version}`; public.", [])
  @Get('global/health')
  liveness(): HealthDto {
    return this.health.liveness();
  }

  /** Readiness: Postgres and the queue backend (Redis or Postgres) answer. 503 when not. */
  @Public()
  @ApiDoc('Readiness', 'Postgres and the queue backend answer; 503 when not (public, for orchestrators).', [])
  @Get('ready')
  readiness(): Promise<ReadinessDto> {
    return this.health.readiness();
  }

  /** Runs a health job through the queue and a worker, end to end. */
  @ApiBearerAuth()
  @PlatformAdminOnly()
  @ApiDoc('Run a health job', 'Runs a job through the queue and a worker end to end (platform administrators).', [403])
  @Post('admin/jobs/health')
  healthJob(@Auth() auth: AuthContext): Promise<HealthJobResultDto> {
    return this.health.runHealthJob(auth);
  }
}
