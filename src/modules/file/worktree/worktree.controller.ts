import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { AuthContext } from '../../../core/auth/auth-context';
import { Auth } from '../../../core/auth/auth.decorators';
import { ApiDoc } from '../../../core/http/api-doc.decorator';
import { Directory } from '../../../core/http/directory.decorator';
import { ProjectCopyService } from './project-copy.service';
import {
  ProjectCopyCreateDto,
  ProjectCopyNameDto,
  ProjectCopyRemoveDto,
  WorktreeCreateDto,
  WorktreeDto,
  WorktreeTargetDto,
} from './worktree.dto';
import { WorktreeService } from './worktree.service';

@ApiTags('worktree')
@ApiBearerAuth()
@Controller()
export class WorktreeController {
  constructor(
    private readonly worktrees: WorktreeService,
    private readonly copies: ProjectCopyService,
  ) {}

  @ApiDoc(
    'List worktrees',
    "The directories of the project's git worktrees (`<workspace>/.worktrees/<name>`); empty when the project is not a git repository.",
    [404],
  )
  @Get('experimental/worktree')
  list(@Auth() auth: AuthContext, @Directory() directory?: string): Promise<string[]> {
    return this.worktrees.list(auth, directory);
  }

  @ApiDoc(
    'Create a worktree',
    "A git worktree of the project on a new branch `opencode/<name>`, inside the project's workspace, for parallel sessions; then the project's start command and `startCommand` run in it, in the sandbox. The project needs a first commit. Teachers are read-only.",
    [400, 403, 404],
  )
  @Post('experimental/worktree')
  @HttpCode(200)
  create(
    @Auth() auth: AuthContext,
    @Body() body: WorktreeCreateDto,
    @Directory() directory?: string,
  ): Promise<WorktreeDto> {
    return this.worktrees.create(auth, body, directory);
  }

  @ApiDoc('Remove a worktree', "Removes one of the project's worktrees and deletes its branch.", [400, 403, 404])
  @Delete('experimental/worktree')
  remove(
    @Auth() auth: AuthContext,
    @Body() body: WorktreeTargetDto,
    @Directory() directory?: string,
  ): Promise<boolean> {
    return this.worktrees.remove(auth, body.directory, directory);
  }

  @ApiDoc(
    'Reset a worktree',
    "Puts the worktree's branch back on the primary branch (main or master), discarding its uncommitted changes.",
    [400, 403, 404],
  )
  @Post('experimental/worktree/reset')
  @HttpCode(200)
  reset(@Auth() auth: AuthContext, @Body() body: WorktreeTargetDto, @Directory() directory?: string): Promise<boolean> {
    return this.worktrees.reset(auth, body.directory, directory);
  }

  @ApiDoc(
    'List project directories',
    "The project's workspace and its worktrees, as absolute directories a client can pass as `directory`.",
    [404],
  )
  @ApiTags('project')
  @Get('project/:projectID/directories')
  directories(
    @Auth() auth: AuthContext,
    @Param('projectID') id: string,
  ): Promise<{ directory: string; strategy?: string }[]> {
    return this.worktrees.projectDirectories(auth, id);
  }

  @ApiDoc(
    'Copy a project',
    'A copy of the project for parallel work. The one strategy offered is `worktree` (a git worktree inside the workspace, named after the last segment of `directory` unless `name` is given); others answer ProjectCopyError.',
    [400, 403, 404],
  )
  @Post('experimental/project/:projectID/copy')
  @HttpCode(200)
  copy(
    @Auth() auth: AuthContext,
    @Param('projectID') id: string,
    @Body() body: ProjectCopyCreateDto,
  ): Promise<{ directory: string }> {
    return this.copies.create(auth, id, body);
  }

  @ApiDoc('Remove a project copy', 'Removes a worktree copy of the project and its branch.', [400, 403, 404])
  @Delete('experimental/project/:projectID/copy')
  @HttpCode(204)
  async removeCopy(
    @Auth() auth: AuthContext,
    @Param('projectID') id: string,
    @Body() body: ProjectCopyRemoveDto,
  ): Promise<void> {
    await this.copies.remove(auth, id, body);
  }

  @ApiDoc(
    'Refresh project copies',
    'Worktree copies share the live repository, so there is nothing to refresh; checks write access.',
    [403, 404],
  )
  @Post('experimental/project/:projectID/copy/refresh')
  @HttpCode(204)
  async refreshCopies(@Auth() auth: AuthContext, @Param('projectID') id: string): Promise<void> {
    await this.copies.refresh(auth, id);
  }

  @ApiDoc(
    'Generate a project copy name',
    "A short kebab-case name from the task's words (no model call), random when none is usable.",
    [404],
  )
  @Post('experimental/project/:projectID/copy/generate-name')
  @HttpCode(200)
  generateName(
    @Auth() auth: AuthContext,
    @Param('projectID') id: string,
    @Body() body: ProjectCopyNameDto,
  ): Promise<{ name: string }> {
    return this.copies.generateName(auth, id, body.context);
  }
}
