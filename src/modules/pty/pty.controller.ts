import { Body, Controller, Delete, Get, Param, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
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
  @Get('shells')
  shells(): PtyShell[] {
    return this.ptys.shells();
  }

  /** The caller's open terminals (in the project of `directory`, when given). */
  @Get()
  list(@Auth() auth: AuthContext, @Directory() directory?: string): Promise<PtyInfo[]> {
    return this.ptys.list(auth, directory);
  }

  /** Opens a shell on a pseudo-terminal in the project's sandbox; refused where the bash tool is denied. */
  @Post()
  create(@Auth() auth: AuthContext, @Body() body: PtyCreateDto, @Directory() directory?: string): Promise<PtyInfo> {
    return this.ptys.create(auth, directory, body);
  }

  @Get(':ptyID')
  get(@Auth() auth: AuthContext, @Param('ptyID') id: string): PtyInfo {
    return this.ptys.get(auth, id);
  }

  /** Renames the terminal and/or resizes it (`size: {rows, cols}`). */
  @Put(':ptyID')
  update(@Auth() auth: AuthContext, @Param('ptyID') id: string, @Body() body: PtyUpdateDto): PtyInfo {
    return this.ptys.update(auth, id, body);
  }

  /** Ends the shell and everything it started. */
  @Delete(':ptyID')
  remove(@Auth() auth: AuthContext, @Param('ptyID') id: string): boolean {
    return this.ptys.remove(auth, id);
  }

  /** A single-use ticket, valid for a minute, for `GET /pty/{id}/connect?ticket=`. */
  @Post(':ptyID/connect-token')
  connectToken(@Auth() auth: AuthContext, @Param('ptyID') id: string): Promise<PtyConnectToken> {
    return this.ptys.connectToken(auth, id);
  }

  /** WebSocket only (`?ticket=&cursor=`), answered by PtyGateway; a plain GET lands here. */
  @Public()
  @ApiOperation({ summary: 'Connect to a terminal (WebSocket upgrade with a ticket)' })
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
