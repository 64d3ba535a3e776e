import { Body, Controller, Get, Put, Query, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import { ApiDoc } from '../../../core/http/api-doc.decorator';
import type { AuthContext } from '../../../core/auth/auth-context';
import { Auth } from '../../../core/auth/auth.decorators';
import { UploadedFileDto, WorkspaceFileQueryDto, WorkspaceQueryDto } from './dto/workspace-files.dto';
import { WorkspaceFilesService } from './workspace-files.service';

@ApiTags('classroom')
@ApiBearerAuth()
@Controller('classroom/workspace')
export class WorkspaceFilesController {
  constructor(private readonly files: WorkspaceFilesService) {}

  /** One file's bytes (the owner, their class's teachers, the school's admins). */
  @ApiDoc(
    'Download a workspace file',
    "One file's bytes from a student's workspace (the owner, their class's teachers, the school's admins).",
    [400, 404],
  )
  @Get('file')
  @ApiProduces('application/octet-stream')
  @ApiOkResponse({ schema: { type: 'string', format: 'binary' } })
  async download(@Auth() auth: AuthContext, @Query() q: WorkspaceFileQueryDto): Promise<StreamableFile> {
    const { data, filename } = await this.files.download(auth, q.directory, q.path);
    return new StreamableFile(data, {
      type: 'application/octet-stream',
      disposition: `attachment; filename="${encodeURIComponent(filename)}"`,
    });
  }

  /** Writes one file (raw body, at most 10 MB; folders are created; the workspace quota applies). */
  @ApiDoc(
    'Upload a workspace file',
    'Writes one file (raw body, at most 10 MB; folders are created; the workspace quota applies).',
    [400, 403, 404, 413],
  )
  @Put('file')
  @ApiConsumes('application/octet-stream')
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  upload(
    @Auth() auth: AuthContext,
    @Query() q: WorkspaceFileQueryDto,
    @Body() body: unknown,
  ): Promise<UploadedFileDto> {
    return this.files.upload(auth, q.directory, q.path, body);
  }

  /** The whole workspace as a zip. */
  @ApiDoc('Download a workspace', 'The whole workspace as a zip.', [404])
  @Get('archive')
  @ApiProduces('application/zip')
  @ApiOkResponse({ schema: { type: 'string', format: 'binary' } })
  async archive(@Auth() auth: AuthContext, @Query() q: WorkspaceQueryDto): Promise<StreamableFile> {
    const { stream, filename } = await this.files.archive(auth, q.directory);
    return new StreamableFile(stream, {
      type: 'application/zip',
      disposition: `attachment; filename="${encodeURIComponent(filename)}"`,
    });
  }
}
