import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { AuthContext } from '../../../core/auth/auth-context';
import { Auth, Roles } from '../../../core/auth/auth.decorators';
import { ApiDoc } from '../../../core/http/api-doc.decorator';
import { UsageReportDto } from '../../school/usage/dto/usage.dto';
import { ClassOverviewDto, ClassUsageQueryDto } from './dto/overview.dto';
import { OversightService } from './oversight.service';

@ApiTags('classroom')
@ApiBearerAuth()
@Controller('classroom/classes/:classID')
export class OversightController {
  constructor(private readonly oversight: OversightService) {}

  /** Each student of the class: sessions of the last day with busy/idle/waiting, last activity, today's usage. */
  @ApiDoc(
    'Class overview',
    'For a teacher of the class (or the school admin): each student, their sessions of the last day with status ' +
      "(busy, idle or waiting for a permission or question), last activity and today's usage.",
    [403, 404],
  )
  @Get('overview')
  @Roles('admin', 'teacher')
  overview(@Auth() auth: AuthContext, @Param('classID') classId: string): Promise<ClassOverviewDto> {
    return this.oversight.overview(auth, classId);
  }

  @ApiDoc(
    'Class usage per student',
    'For a teacher of the class (or the school admin): tokens, cost and LLM calls of each student of the class ' +
      '(zero rows for who used nothing), over `from`..`to` (tenant-local days, inclusive); `format=csv` for a spreadsheet.',
    [400, 403, 404],
  )
  @Get('usage')
  @Roles('admin', 'teacher')
  @ApiProduces('application/json', 'text/csv')
  async usage(
    @Auth() auth: AuthContext,
    @Param('classID') classId: string,
    @Query() q: ClassUsageQueryDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<UsageReportDto | string> {
    const report = await this.oversight.usage(auth, classId, q);
    if (typeof report === 'string')
      res.type('text/csv').setHeader('content-disposition', `attachment; filename="usage-${classId}.csv"`);
    return report;
  }
}
