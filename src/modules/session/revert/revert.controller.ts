import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiDoc } from '../../../core/http/api-doc.decorator';
import type { AuthContext } from '../../../core/auth/auth-context';
import { Auth } from '../../../core/auth/auth.decorators';
import { SessionDto } from '../dto/session.dto';
import { RevertDto } from './dto/revert.dto';
import { RevertService } from './revert.service';

@ApiTags('session')
@ApiBearerAuth()
@Controller('session/:sessionID')
export class RevertController {
  constructor(private readonly reverts: RevertService) {}

  /** Puts the files back as they were before a message (or part); later messages hide until the next prompt. 409 while busy. */
  @ApiDoc(
    'Revert to a message',
    'Puts the files back as they were before a message (or part); later messages hide until the next prompt. 409 while busy.',
    [400, 403, 404, 409],
  )
  @Post('revert')
  @HttpCode(200)
  revert(@Auth() auth: AuthContext, @Param('sessionID') id: string, @Body() body: RevertDto): Promise<SessionDto> {
    return this.reverts.revert(auth, id, body);
  }

  /** Undoes the last revert: files back to the newest state, messages visible again. 409 while busy. */
  @ApiDoc('Undo a revert', 'Files back to the newest state, messages visible again. 409 while busy.', [403, 404, 409])
  @Post('unrevert')
  @HttpCode(200)
  unrevert(@Auth() auth: AuthContext, @Param('sessionID') id: string): Promise<SessionDto> {
    return this.reverts.unrevert(auth, id);
  }
}
