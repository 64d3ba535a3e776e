import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiProduces, ApiTags } from '@nestjs/swagger';
import { ApiDoc } from '../../../core/http/api-doc.decorator';
import type { Response } from 'express';
import type { AuthContext } from '../../../core/auth/auth-context';
import { Auth, Roles } from '../../../core/auth/auth.decorators';
import { UsageQueryDto, UsageReportDto } from './dto/usage.dto';
import { UsageService } from './usage.service';

@ApiTags('admin')
@ApiBearerAuth()
@Controller('admin/usage')
export class UsageController {
  constructor(private readonly usage: UsageService) {}

  /** Usage totals grouped by tenant, class, user, model, day or purpose (step, title, summary, compaction, subagent); `format=csv` for a spreadsheet. */
  @ApiDoc(
    'Usage report',
    'Tokens, cost and requests grouped by tenant, class, user, model, day or purpose; `format=csv` for a spreadsheet (admins).',
    [400, 403],
  )
  @Get()
  @Roles('admin')
  @ApiProduces('application/json', 'text/csv')
  async report(
    @Auth() auth: AuthContext,
    @Query() q: UsageQueryDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<UsageReportDto | string> {
    const report = await this.usage.report(auth, q);
    if (q.format !== 'csv') return report;
    res.type('text/csv').setHeader('content-disposition', `attachment; filename="usage-${report.groupBy}.csv"`);
    return this.usage.toCsv(report);
  }
}
