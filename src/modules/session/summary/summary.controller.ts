import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiDoc } from '../../../core/http/api-doc.decorator';
import type { AuthContext } from '../../../core/auth/auth-context';
import { Auth } from '../../../core/auth/auth.decorators';
import { DiffQueryDto, SnapshotFileDiffDto } from './dto/diff.dto';
import { SummaryService } from './summary.service';

@ApiTags('session')
@ApiBearerAuth()
@Controller('session/:sessionID')
export class SummaryController {
  constructor(private readonly summaries: SummaryService) {}

  /** The files this session changed (from its first step to its last), as computed by the summary job. */
  @ApiDoc(
    'Session diff',
    'The files this session changed, from its first step to its last (or up to `messageID`).',
    [404],
  )
  @Get('diff')
  diff(
    @Auth() auth: AuthContext,
    @Param('sessionID') id: string,
    @Query() _query: DiffQueryDto,
  ): Promise<SnapshotFileDiffDto[]> {
    return this.summaries.diff(auth, id);
  }
}
