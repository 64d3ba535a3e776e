import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { AuthContext } from '../../core/auth/auth-context';
import { Auth } from '../../core/auth/auth.decorators';
import { ApiDoc } from '../../core/http/api-doc.decorator';
import { Directory } from '../../core/http/directory.decorator';
import { CompatService, type GlobalSession } from './compat.service';
import { GlobalSessionQueryDto } from './dto/compat-query.dto';
import { CapabilitiesDto, LogEntryDto } from './dto/compat.dto';

@ApiTags('instance')
@ApiBearerAuth()
@Controller()
export class CompatController {
  constructor(private readonly compat: CompatService) {}

  @ApiDoc(
    'Write a client log line',
    "Writes one line from a client (the TUI, the web app) into the server log at the given level, tagged with the caller's school and user.",
    [400],
  )
  @Post('log')
  @HttpCode(200)
  log(@Auth() auth: AuthContext, @Body() body: LogEntryDto): boolean {
    return this.compat.log(auth, body);
  }

  @ApiDoc(
    'Dispose the current instance',
    'Drops what the server caches for the project named by `directory` (its merged config, its workspace handle) so the next request reloads it, and emits `server.instance.disposed`. Running turns go on. Needs read access to the project.',
    [404],
  )
  @Post('instance/dispose')
  @HttpCode(200)
  disposeInstance(@Auth() auth: AuthContext, @Directory() directory?: string): Promise<boolean> {
    return this.compat.disposeInstance(auth, directory);
  }

  @ApiDoc(
    'Dispose every instance',
    "Like /instance/dispose for every project the caller can see; other schools' projects are never touched.",
  )
  @Post('global/dispose')
  @HttpCode(200)
  disposeAll(@Auth() auth: AuthContext): Promise<boolean> {
    return this.compat.disposeAll(auth);
  }

  @ApiDoc('Experimental capabilities', 'Which experimental features this server offers, as OpenCode reports them.')
  @Get('experimental/capabilities')
  capabilities(): CapabilitiesDto {
    return this.compat.capabilities();
  }

  @ApiDoc(
    'List sessions across projects',
    "The caller's sessions in every project they can see (students their own, teachers also their students', admins the school's), most recently updated first, each with its project. Archived sessions are left out unless `archived=true`; when a page is full the `x-next-cursor` header holds the `cursor` of the next one.",
    [400],
  )
  @Get('experimental/session')
  async sessions(
    @Auth() auth: AuthContext,
    @Query() query: GlobalSessionQueryDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<GlobalSession[]> {
    const page = await this.compat.sessionsAcrossProjects(auth, query);
    if (page.nextCursor !== undefined) {
      res.setHeader('x-next-cursor', String(page.nextCursor));
      res.setHeader('Access-Control-Expose-Headers', 'x-next-cursor');
    }
    return page.sessions;
  }

  @ApiDoc(
    'Send blocking subagents to the background',
    'Subagents run inside their parent turn on this server (capabilities.backgroundSubagents is false): answers false, after checking the caller may change the session.',
    [403, 404],
  )
  @Post('experimental/session/:sessionID/background')
  @HttpCode(200)
  background(@Auth() auth: AuthContext, @Param('sessionID') id: string): Promise<boolean> {
    return this.compat.background(auth, id);
  }
}
