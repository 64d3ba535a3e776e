import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { AuthContext } from '../../core/auth/auth-context';
import { Auth, Public } from '../../core/auth/auth.decorators';
import { ApiDoc } from '../../core/http/api-doc.decorator';
import { ApiV2Service } from './api-v2.service';
import {
  ApiHealthDto,
  ApiReferenceQueryDto,
  ApiSessionListQueryDto,
  ReferencesResponseDto,
  SessionsResponseDto,
} from './dto/api-v2.dto';

@ApiTags('instance')
@ApiBearerAuth()
@Controller('api')
export class ApiV2Controller {
  constructor(private readonly api: ApiV2Service) {}

  @Public()
  @ApiDoc('Health (v2)', "OpenCode's `/api/health`: `{healthy: true}`; public, like `/global/health`.", [])
  @Get('health')
  health(): ApiHealthDto {
    return { healthy: true };
  }

  @ApiDoc(
    'List sessions (v2)',
    "OpenCode's `/api/session`, which its web app's home screen reads: the sessions the caller may see (students their own, teachers also their students', admins the school's), newest update first unless `order=asc`, filtered by `directory`, `project`, `workspace`, `subpath` and `search`; `{data, cursor: {previous, next}}` with opaque cursors.",
    [400, 404],
  )
  @Get('session')
  sessions(@Auth() auth: AuthContext, @Query() query: ApiSessionListQueryDto): Promise<SessionsResponseDto> {
    return this.api.sessionList(auth, query);
  }

  @ApiDoc(
    'Project references (v2)',
    "OpenCode's `/api/reference?location[directory]=`: the project's location and its references. References name server folders or clones outside the workspace, so the list is empty here.",
    [400, 404],
  )
  @Get('reference')
  references(@Auth() auth: AuthContext, @Query() query: ApiReferenceQueryDto): Promise<ReferencesResponseDto> {
    return this.api.references(auth, query.location?.directory ?? query['location[directory]']);
  }
}
