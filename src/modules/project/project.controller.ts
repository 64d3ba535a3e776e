import { Body, Controller, Get, Param, Patch } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiDoc } from '../../core/http/api-doc.decorator';
import type { AuthContext } from '../../core/auth/auth-context';
import { Auth } from '../../core/auth/auth.decorators';
import { Directory } from '../../core/http/directory.decorator';
import { PathDto, ProjectDto, UpdateProjectDto } from './dto/project.dto';
import { ProjectService } from './project.service';

@ApiTags('project')
@ApiBearerAuth()
@Controller()
export class ProjectController {
  constructor(private readonly projects: ProjectService) {}

  @ApiDoc(
    'List projects',
    "Students: their own projects; teachers: also their students'; admins: the school's. The caller's default " +
      'project is listed from the first request; it is stored by its first write (a session, `git init`, a change).',
    [],
  )
  @Get('project')
  async list(@Auth() auth: AuthContext): Promise<ProjectDto[]> {
    return this.projects.listWithDefault(auth);
  }

  @ApiDoc(
    'Current project',
    'The project named by `directory` (its worktree path or its name); the default project when omitted.',
    [400, 404],
  )
  @Get('project/current')
  current(@Auth() auth: AuthContext, @Directory() directory?: string): Promise<ProjectDto> {
    return this.projects.current(auth, directory);
  }

  @ApiDoc('Update a project', 'Name, icon and start command of a project.', [400, 403, 404])
  @Patch('project/:projectID')
  update(
    @Auth() auth: AuthContext,
    @Param('projectID') id: string,
    @Body() body: UpdateProjectDto,
  ): Promise<ProjectDto> {
    return this.projects.update(auth, id, body);
  }

  @ApiDoc('Paths', "The project's worktree and the server's state and config folders, as OpenCode reports them.", [404])
  @Get('path')
  path(@Auth() auth: AuthContext, @Directory() directory?: string): Promise<PathDto> {
    return this.projects.paths(auth, directory);
  }
}
