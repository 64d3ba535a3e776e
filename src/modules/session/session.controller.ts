import { Body, Controller, Delete, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiDoc } from '../../core/http/api-doc.decorator';
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

  @ApiDoc(
    'List sessions',
    "Sessions of the project named by `directory` (all the caller's with `scope=project` absent and no directory), newest first. " +
      '`path` keeps those whose folder (relative to the project) is that folder or inside it; sessions here run at the ' +
      "project's root, so only `path` '' or '.' lists them.",
    [400, 404],
  )
  @Get()
  list(
    @Auth() auth: AuthContext,
    @Query() query: ListSessionsQueryDto,
    @Directory() directory?: string,
  ): Promise<SessionDto[]> {
    return this.sessions.list(auth, { ...query, directory: query.directory ?? directory });
  }

  @ApiDoc(
    'Create a session',
    'A new session in the project named by `directory` (or a child of `parentID`), with optional title, agent, model, permission rules and metadata.',
    [400, 403, 404],
  )
  @Post()
  create(
    @Auth() auth: AuthContext,
    @Body() body: CreateSessionDto,
    @Directory() directory?: string,
  ): Promise<SessionDto> {
    return this.sessions.create(auth, body ?? {}, directory);
  }

  /** Non-idle sessions only: `{[sessionID]: {type: 'busy' | 'retry', ...}}`. */
  @ApiDoc('Session statuses', 'The busy or retrying sessions the caller can see: `{[sessionID]: {type}}`.', [])
  @Get('status')
  status(@Auth() auth: AuthContext): Promise<Record<string, unknown>> {
    return this.sessions.statuses(auth);
  }

  @ApiDoc('Get a session', "One session; another student's or another school's is a 404.", [404])
  @Get(':sessionID')
  get(@Auth() auth: AuthContext, @Param('sessionID') id: string): Promise<SessionDto> {
    return this.sessions.get(auth, id);
  }

  @ApiDoc(
    'Update a session',
    'Title, permission rules (they only narrow), archived time and metadata.',
    [400, 403, 404],
  )
  @Patch(':sessionID')
  update(
    @Auth() auth: AuthContext,
    @Param('sessionID') id: string,
    @Body() body: UpdateSessionDto,
  ): Promise<SessionDto> {
    return this.sessions.update(auth, id, body);
  }

  /** Deletes the session and its children (children first), aborting their loops. */
  @ApiDoc(
    'Delete a session',
    'Deletes the session and its children (children first), aborting their turns.',
    [403, 404],
  )
  @Delete(':sessionID')
  remove(@Auth() auth: AuthContext, @Param('sessionID') id: string): Promise<boolean> {
    return this.sessions.remove(auth, id);
  }

  @ApiDoc('Child sessions', 'The subagent sessions started from this one.', [404])
  @Get(':sessionID/children')
  children(@Auth() auth: AuthContext, @Param('sessionID') id: string): Promise<SessionDto[]> {
    return this.sessions.children(auth, id);
  }

  @ApiDoc('Session todo list', 'The todo list the agent keeps for the session.', [404])
  @Get(':sessionID/todo')
  todo(@Auth() auth: AuthContext, @Param('sessionID') id: string): Promise<TodoDto[]> {
    return this.sessions.todos(auth, id);
  }
}
