import { Body, Controller, Get, Header, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiProduces, ApiTags } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import type { AuthContext } from '../../core/auth/auth-context';
import { Auth } from '../../core/auth/auth.decorators';
import { ApiDoc } from '../../core/http/api-doc.decorator';
import { Directory } from '../../core/http/directory.decorator';
import { ProjectDto } from '../project/dto/project.dto';
import { VcsPatchService } from './vcs-patch.service';

export class VcsApplyDto {
  @IsString() @MaxLength(16 * 1024 * 1024) patch!: string;
}

@ApiTags('file')
@ApiBearerAuth()
@Controller()
export class VcsController {
  constructor(private readonly patches: VcsPatchService) {}

  @ApiDoc(
    'Raw diff of uncommitted changes',
    'The working tree against HEAD as one git patch (untracked files as new files), which POST /vcs/apply or `git apply` take. Empty when the project is not a git repository.',
    [404],
  )
  @ApiProduces('text/x-diff')
  @Header('content-type', 'text/x-diff; charset=utf-8')
  @Get('vcs/diff/raw')
  raw(@Auth() auth: AuthContext, @Directory() directory?: string): Promise<string> {
    return this.patches.rawDiff(auth, directory);
  }

  @ApiDoc(
    'Apply a patch',
    "`git apply` of a patch onto the project's working tree, in the sandbox. VcsApplyError (400) when the project is not a git repository (`reason: non-git`) or the patch does not apply (`not-clean`). Teachers are read-only.",
    [400, 403, 404],
  )
  @Post('vcs/apply')
  @HttpCode(200)
  apply(
    @Auth() auth: AuthContext,
    @Body() body: VcsApplyDto,
    @Directory() directory?: string,
  ): Promise<{ applied: boolean }> {
    return this.patches.apply(auth, body.patch, directory);
  }

  @ApiDoc(
    'Initialise a git repository',
    "`git init` in the project's workspace (nothing happens when it already is one), then the project with `vcs: git`.",
    [403, 404],
  )
  @ApiTags('project')
  @Post('project/git/init')
  @HttpCode(200)
  gitInit(@Auth() auth: AuthContext, @Directory() directory?: string): Promise<ProjectDto> {
    return this.patches.gitInit(auth, directory);
  }
}
