import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { AuthContext } from '../../../core/auth/auth-context';
import { Auth, Roles } from '../../../core/auth/auth.decorators';
import { ApiDoc } from '../../../core/http/api-doc.decorator';
import { ClassOverviewDto } from './dto/overview.dto';
import { OversightService } from './oversight.service';

@ApiTags('classroom')
@ApiBearerAuth()
@Controller('classroom/classes/:classID/overview')
export class OversightController {
  constructor(private readonly oversight: OversightService) {}

  /** Each student of the class: sessions of the last day with busy/idle/waiting, last activity, today's usage. */
  @ApiDoc(
    'Class overview',
    'For a teacher of the class (or the school admin): each student, their sessions of the last day with status ' +
      "(busy, idle or waiting for a permission or question), last activity and today's usage.",
    [403, 404],
  )
  @Get()
  @Roles('admin', 'teacher')
  overview(@Auth() auth: AuthContext, @Param('classID') classId: string): Promise<ClassOverviewDto> {
    return this.oversight.overview(auth, classId);
  }
}
