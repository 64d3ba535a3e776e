import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { AuthContext } from '../../core/auth/auth-context';
import { Auth } from '../../core/auth/auth.decorators';
import { ApiDoc } from '../../core/http/api-doc.decorator';
import { Directory } from '../../core/http/directory.decorator';
import type { MessageWithParts } from '../session/session.types';
import type { CommandInfo } from './command.builtins';
import { CommandService } from './command.service';
import { CommandDto, SessionInitDto } from './dto/command.dto';

@ApiTags('command')
@ApiBearerAuth()
@Controller()
export class CommandController {
  constructor(private readonly commands: CommandService) {}

  @ApiDoc('List commands', 'Built-in, configured, MCP-prompt and skill commands of the project.', [404])
  @Get('command')
  list(@Auth() auth: AuthContext, @Directory() directory?: string): Promise<CommandInfo[]> {
    return this.commands.list(auth, directory);
  }

  @ApiDoc(
    'Run a command',
    "Expands a command's template (arguments, `@file` references, shell spans in the sandbox) and sends it as a prompt; budgeted like one.",
    [400, 403, 404, 429],
  )
  @Post('session/:sessionID/command')
  run(@Auth() auth: AuthContext, @Param('sessionID') id: string, @Body() body: CommandDto): Promise<MessageWithParts> {
    return this.commands.execute(auth, id, body);
  }

  @ApiDoc(
    'Initialise a session (write AGENTS.md)',
    "Runs the built-in `init` command in the session with the given model: the agent looks through the project and writes or improves AGENTS.md. Waits for the turn, answers true. Counted against the school's budgets like a prompt; teachers are read-only.",
    [400, 403, 404, 409, 429],
  )
  @Post('session/:sessionID/init')
  @HttpCode(200)
  async init(
    @Auth() auth: AuthContext,
    @Param('sessionID') id: string,
    @Body() body: SessionInitDto,
  ): Promise<boolean> {
    await this.commands.execute(auth, id, {
      command: 'init',
      arguments: '',
      model: `${body.providerID}/${body.modelID}`,
      ...(body.messageID ? { messageID: body.messageID } : {}),
    });
    return true;
  }
}
