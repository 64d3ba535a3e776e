import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiDoc } from '../../../core/http/api-doc.decorator';
import type { AuthContext } from '../../../core/auth/auth-context';
import { Auth } from '../../../core/auth/auth.decorators';
import { SessionDto } from '../dto/session.dto';
import { ForkDto } from './dto/fork.dto';
import { ForkService } from './fork.service';

@ApiTags('session')
@ApiBearerAuth()
@Controller('session/:sessionID')
export class ForkController {
  constructor(private readonly forks: ForkService) {}

  /** A new session "<title> (fork #N)" holding the messages before `messageID` (all when omitted). */
  @ApiDoc(
    'Fork a session',
    'A new session "<title> (fork #N)" holding the messages before `messageID` (all when omitted).',
    [400, 403, 404],
  )
  @Post('fork')
  @HttpCode(200)
  fork(@Auth() auth: AuthContext, @Param('sessionID') id: string, @Body() body: ForkDto): Promise<SessionDto> {
    return this.forks.fork(auth, id, { messageID: body?.messageID });
  }
}
