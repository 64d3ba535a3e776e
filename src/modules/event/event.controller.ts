import { Controller, Get, Headers, Inject, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiDoc } from '../../core/http/api-doc.decorator';
import type { Request, Response } from 'express';
import type { AuthContext } from '../../core/auth/auth-context';
import { AcceptsQueryToken, Auth } from '../../core/auth/auth.decorators';
import { Directory } from '../../core/http/directory.decorator';
import { EventQueryDto } from './dto/event.dto';
import { EventStreamService } from './event-stream.service';
import { PROJECT_DIRECTORY, type ProjectDirectory } from './project-directory.port';

@ApiTags('event')
@ApiBearerAuth()
@Controller()
export class EventController {
  constructor(
    private readonly streams: EventStreamService,
    @Inject(PROJECT_DIRECTORY) private readonly projects: ProjectDirectory,
  ) {}

  /** Server-sent events: `{id, type, properties}` frames, `server.connected` first, heartbeats every 10 s. */
  @ApiDoc(
    'Subscribe to events',
    'Server-sent events of the project: `{id, type, properties}` frames, `server.connected` first, heartbeats every 10 s; only what the caller may see.',
    [404],
  )
  @Get('event')
  @AcceptsQueryToken()
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'Resume after this event cursor' })
  @ApiOkResponse({ description: 'text/event-stream' })
  async events(
    @Auth() auth: AuthContext,
    @Query() query: EventQueryDto,
    @Directory() directory: string | undefined,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    // Without a directory the stream carries every project the caller may see (OpenCode: the server's cwd).
    const projectId = directory ? await this.projects.projectIdOf(auth, directory) : undefined;
    return this.streams.stream(auth, req, res, { sessionId: query.sessionID, projectId, lastEventId });
  }

  /** The same events for every project, wrapped as `{directory, project, payload}`. */
  @ApiDoc(
    'Subscribe to all events',
    'The same events for every project the caller can see, wrapped as `{directory, project, payload}`.',
    [],
  )
  @Get('global/event')
  @AcceptsQueryToken()
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'Resume after this event cursor' })
  @ApiOkResponse({ description: 'text/event-stream' })
  globalEvents(
    @Auth() auth: AuthContext,
    @Query() query: EventQueryDto,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    return this.streams.stream(auth, req, res, { global: true, sessionId: query.sessionID, lastEventId });
  }
}
