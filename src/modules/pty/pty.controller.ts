import { Body, Controller, Delete, Get, Param, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiDoc } from '../../core/http/api-doc.decorator';
import type { AuthContext } from '../../core/auth/auth-context';
import { Auth, Public } from '../../core/auth/auth.decorators';
import { DomainError } from '../../core/errors/domain-error';
import { Directory } from '../../core/http/directory.decorator';
import { PtyCreateDto, PtyUpdateDto } from './dto/pty.dto';
import { PtyService } from './pty.service';
import type { PtyConnectToken, PtyInfo, PtyShell } from './pty.types';

@ApiTags('pty')
@ApiBearerAuth()
@Controller('pty')
export class PtyController {
  constructor(private readonly ptys: PtyService) {}

  /** The shells a terminal can start inside the sandbox. */
  @ApiDoc('List shells', 'The shells a terminal can run inside the sandbox.', [])
  @Get('shells')
  shells(): PtyShell[] {
    return this.ptys.shells();
  }

  /** The caller's open terminals (in the project of `directory`, when given). */
  @ApiDoc('List terminals', "The caller's terminals in the project named by `directory`.", [404])
  @Get()
  list(@Auth() auth: AuthContext, @Directory() directory?: string): Promise<PtyInfo[]> {
    return this.ptys.list(auth, directory);
  }

  /** Opens a shell on a pseudo-terminal in the project's sandbox; refused where the bash tool is denied. */
  @ApiDoc(
    'Open a terminal',
    "A pseudo-terminal running a shell in the project's sandbox (the workspace, the school's uid, its limits); a cap per user.",
    [400, 403, 404, 429],
  )
  @Post()
  create(@Auth() auth: AuthContext, @Body() body: PtyCreateDto, @Directory() directory?: string): Promise<PtyInfo> {
    return this.ptys.create(auth, directory, body);
  }

  @ApiDoc('Get a terminal', 'One terminal of the caller.', [404])
  @Get(':ptyID')
  get(@Auth() auth: AuthContext, @Param('ptyID') id: string): PtyInfo {
    return this.ptys.get(auth, id);
  }

  /** Renames the terminal and/or resizes it (`size: {rows, cols}`). */
  @ApiDoc('Resize or rename a terminal', "Changes a terminal's size or title.", [400, 404])
  @Put(':ptyID')
  update(@Auth() auth: AuthContext, @Param('ptyID') id: string, @Body() body: PtyUpdateDto): PtyInfo {
    return this.ptys.update(auth, id, body);
  }

  /** Ends the shell and everything it started. */
  @ApiDoc('Close a terminal', 'Kills the shell and forgets the terminal.', [404])
  @Delete(':ptyID')
  remove(@Auth() auth: AuthContext, @Param('ptyID') id: string): boolean {
    return this.ptys.remove(auth, id);
  }

  /** A single-use ticket, valid for a minute, for `GET /pty/{id}/connect?ticket=`. */
  @ApiDoc(
    'Get a connect ticket',
    'A short-lived, single-use ticket for GET /pty/{id}/connect (no key in the URL).',
    [404],
  )
  @Post(':ptyID/connect-token')
  connectToken(@Auth() auth: AuthContext, @Param('ptyID') id: string): Promise<PtyConnectToken> {
    return this.ptys.connectToken(auth, id);
  }

  /** WebSocket only (`?ticket=&cursor=`), answered by PtyGateway; a plain GET lands here. */
  @Public()
  @ApiDoc(
    'Connect to a terminal',
    'WebSocket upgrade with the ticket from POST /pty/{id}/connect-token (`?ticket=&cursor=`); a plain GET is refused.',
    [400, 404],
  )
  @Get(':ptyID/connect')
  connect(): never {
    throw new DomainError(
      'UpgradeRequired',
      426,
      'This is a WebSocket endpoint: connect with Upgrade: websocket and ?ticket= from POST /pty/{id}/connect-token',
      'upgrade_required',
    );
  }
}
