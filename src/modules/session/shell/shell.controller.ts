import { Body, Controller, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiDoc } from '../../../core/http/api-doc.decorator';
import type { AuthContext } from '../../../core/auth/auth-context';
import { Auth } from '../../../core/auth/auth.decorators';
import type { MessageWithParts } from '../session.types';
import { ShellDto } from './dto/shell.dto';
import { ShellService } from './shell.service';

@ApiTags('session')
@ApiBearerAuth()
@Controller('session')
export class ShellController {
  constructor(private readonly shell: ShellService) {}

  /** Runs a user's command as a bash tool part of a synthetic assistant message; 409 while the session is busy. */
  @ApiDoc(
    'Run a shell command',
    "Runs the user's command in the sandbox as a bash tool part of a synthetic assistant message; 409 while the session is busy.",
    [400, 403, 404, 409],
  )
  @Post(':sessionID/shell')
  run(@Auth() auth: AuthContext, @Param('sessionID') id: string, @Body() body: ShellDto): Promise<MessageWithParts> {
    return this.shell.run(auth, id, body);
  }
}
