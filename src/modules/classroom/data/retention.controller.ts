import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { AuthContext } from '../../../core/auth/auth-context';
import { Auth, Roles } from '../../../core/auth/auth.decorators';
import { ApiDoc } from '../../../core/http/api-doc.decorator';
import { RetentionReportDto } from './dto/retention.dto';
import { RetentionService } from './retention.service';

@ApiTags('admin')
@ApiBearerAuth()
@Controller('admin/retention')
export class RetentionController {
  constructor(private readonly retention: RetentionService) {}

  @ApiDoc(
    'Retention dry run',
    "What the next run of the school's retention (`settings.retentionDays`) would remove; removes nothing (admins).",
    [403],
  )
  @Get()
  @Roles('admin')
  dryRun(@Auth() auth: AuthContext): Promise<RetentionReportDto> {
    return this.retention.run(auth, true);
  }

  @ApiDoc(
    'Run retention now',
    'Removes sessions, workspaces and usage older than the school’s retention period now (the daily job does the ' +
      'same) and reports what went (admins).',
    [403],
  )
  @Post('run')
  @HttpCode(200)
  @Roles('admin')
  run(@Auth() auth: AuthContext): Promise<RetentionReportDto> {
    return this.retention.run(auth, false);
  }
}
