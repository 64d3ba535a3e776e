import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { AuthContext } from '../../core/auth/auth-context';
import { Auth } from '../../core/auth/auth.decorators';
import { Directory } from '../../core/http/directory.decorator';
import type { MessageWithParts } from '../session/session.types';
import type { CommandInfo } from './command.builtins';
import { CommandService } from './command.service';
import { CommandDto } from './dto/command.dto';

@ApiTags('command')
@ApiBearerAuth()
@Controller()
export class CommandController {
  constructor(private readonly commands: CommandService) {}

  @Get('command')
  list(@Auth() auth: AuthContext, @Directory() directory?: string): Promise<CommandInfo[]> {
    return this.commands.list(auth, directory);
  }

  @Post('session/:sessionID/command')
  run(@Auth() auth: AuthContext, @Param('sessionID') id: string, @Body() body: CommandDto): Promise<MessageWithParts> {
    return this.commands.execute(auth, id, body);
  }
}
