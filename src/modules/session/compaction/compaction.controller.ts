import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiDoc } from '../../../core/http/api-doc.decorator';
import type { AuthContext } from '../../../core/auth/auth-context';
import { Auth } from '../../../core/auth/auth.decorators';
import { CompactionService } from './compaction.service';
import { SummarizeSessionDto } from './dto/summarize.dto';

@ApiTags('session')
@ApiBearerAuth()
@Controller('session')
export class CompactionController {
  constructor(private readonly compaction: CompactionService) {}

  /** Summarises the session with the given model (a manual compaction), then lets the loop go on. */
  @ApiDoc(
    'Summarise (compact) a session',
    'Summarises the session with the given model, a manual compaction; counted against the budgets.',
    [400, 403, 404, 409, 429],
  )
  @Post(':sessionID/summarize')
  @HttpCode(200)
  @ApiOkResponse({ type: Boolean })
  summarize(
    @Auth() auth: AuthContext,
    @Param('sessionID') id: string,
    @Body() body: SummarizeSessionDto,
  ): Promise<boolean> {
    return this.compaction.summarize(auth, id, body);
  }
}
