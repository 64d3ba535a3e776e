import { Body, Controller, Get, Param, Patch } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
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

  @Get('project')
  list(@Auth() auth: AuthContext): Promise<ProjectDto[]> {
    return this.projects.list(auth);
  }

  @Get('project/current')
  current(@Auth() auth: AuthContext, @Directory() directory?: string): Promise<ProjectDto> {
    return this.projects.current(auth, directory);
  }

  @Patch('project/:projectID')
  update(
    @Auth() auth: AuthContext,
    @Param('projectID') id: string,
    @Body() body: UpdateProjectDto,
  ): Promise<ProjectDto> {
    return this.projects.update(auth, id, body);
  }

  @Get('path')
  path(@Auth() auth: AuthContext, @Directory() directory?: string): Promise<PathDto> {
    return this.projects.paths(auth, directory);
  }
}
