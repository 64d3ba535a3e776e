import { Controller, Delete, Get, Param, Query, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { AuthContext } from '../../../core/auth/auth-context';
import { Auth, Roles } from '../../../core/auth/auth.decorators';
import { ApiDoc } from '../../../core/http/api-doc.decorator';
import { DataRequestService, type FullExport } from './data-request.service';
import { ErasureReportDto, ExportQueryDto } from './dto/data-request.dto';

@ApiTags('admin')
@ApiBearerAuth()
@Controller('admin/users')
export class DataRequestController {
  constructor(private readonly data: DataRequestService) {}

  @ApiDoc(
    "Export a user's data",
    'Everything about one person in one call (admins, for data requests): every session with its messages and ' +
      'parts, their usage rows and the audit entries by or about them, as JSON; `format=tar.gz` adds their ' +
      'workspaces (`export.json` + `workspaces/<name>/…`).',
    [400, 403, 404],
  )
  @Get(':id/export')
  @Roles('admin')
  @ApiProduces('application/json', 'application/gzip')
  @ApiOkResponse({ description: 'JSON, or a tar.gz with `format=tar.gz`.' })
  export(
    @Auth() auth: AuthContext,
    @Param('id') id: string,
    @Query() q: ExportQueryDto,
  ): Promise<FullExport | StreamableFile> {
    return this.data.exportFor(auth, id, q.format ?? 'json');
  }

  @ApiDoc(
    "Erase a user's data",
    'Deletes the account and removes everything of the person wherever it lives: sessions and messages, ' +
      'workspaces and snapshot repositories on disk, their folders in collected submissions, keys, memberships, ' +
      'their own budgets and allowances, their events in the replay window and stored jobs about their sessions; ' +
      'usage rows stay for the school totals, detached from them. Then counts again and reports both (admins).',
    [403, 404],
  )
  @Delete(':id/data')
  @Roles('admin')
  erase(@Auth() auth: AuthContext, @Param('id') id: string): Promise<ErasureReportDto> {
    return this.data.erase(auth, id);
  }
}
