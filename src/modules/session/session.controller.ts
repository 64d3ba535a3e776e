import { Body, Controller, Delete, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { AuthContext } from '../../core/auth/auth-context';
import { Auth } from '../../core/auth/auth.decorators';
import { Directory } from '../../core/http/directory.decorator';
import { CreateSessionDto, ListSessionsQueryDto, SessionDto, TodoDto, UpdateSessionDto } from './dto/session.dto';
import { SessionFacade } from './session.facade';

@ApiTags('session')
@ApiBearerAuth()
@Controller('session')
export class SessionController {
  constructor(private readonly sessions: SessionFacade) {}

  @Get()
  list(
    @Auth() auth: AuthContext,
    @Query() query: ListSessionsQueryDto,
    @Directory() directory?: string,
  ): Promise<SessionDto[]> {
    return this.sessions.list(auth, { ...query, directory: query.directory ?? directory });
  }

  @Post()
  create(
    @Auth() auth: AuthContext,
    @Body() body: CreateSessionDto,
    @Directory() directory?: string,
  ): Promise<SessionDto> {
    return this.sessions.create(auth, body ?? {}, directory);
  }

  /** Non-idle sessions only: `{[sessionID]: {type: 'busy' | 'retry', ...}}`. */
  @Get('status')
  status(@Auth() auth: AuthContext): Promise<Record<string, unknown>> {
    return this.sessions.statuses(auth);
  }

  @Get(':sessionID')
  get(@Auth() auth: AuthContext, @Param('sessionID') id: string): Promise<SessionDto> {
    return this.sessions.get(auth, id);
  }

  @Patch(':sessionID')
  update(
    @Auth() auth: AuthContext,
    @Param('sessionID') id: string,
    @Body() body: UpdateSessionDto,
  ): Promise<SessionDto> {
    return this.sessions.update(auth, id, body);
  }

  /** Deletes the session and its children (children first), aborting their loops. */
  @Delete(':sessionID')
  remove(@Auth() auth: AuthContext, @Param('sessionID') id: string): Promise<boolean> {
    return this.sessions.remove(auth, id);
  }

  @Get(':sessionID/children')
  children(@Auth() auth: AuthContext, @Param('sessionID') id: string): Promise<SessionDto[]> {
    return this.sessions.children(auth, id);
  }

  @Get(':sessionID/todo')
  todo(@Auth() auth: AuthContext, @Param('sessionID') id: string): Promise<TodoDto[]> {
    return this.sessions.todos(auth, id);
  }
}
