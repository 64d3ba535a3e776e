import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiDoc } from '../../../core/http/api-doc.decorator';
import type { AuthContext } from '../../../core/auth/auth-context';
import { Auth } from '../../../core/auth/auth.decorators';
import { Directory } from '../../../core/http/directory.decorator';
import { ToolInfoDto, ToolListQueryDto } from '../../tool/dto/tool.dto';
import { ToolCatalogue } from './tool.catalogue';

@ApiTags('tool')
@ApiBearerAuth()
@Controller('experimental/tool')
export class ToolController {
  constructor(private readonly tools: ToolCatalogue) {}

  /** Every registered tool id. */
  @ApiDoc('List tool ids', "Every registered tool id (built-in, and the custom tools of the school's plugins).", [])
  @Get('ids')
  ids(@Auth() auth: AuthContext, @Directory() directory?: string): Promise<string[]> {
    return this.tools.ids(auth, directory);
  }

  /** The tools the default agent offers that model, with their JSON Schemas. */
  @ApiDoc(
    'List tools for a model',
    'The tools the default agent offers that model, with their JSON Schemas.',
    [400, 404],
  )
  @Get()
  list(
    @Auth() auth: AuthContext,
    @Query() query: ToolListQueryDto,
    @Directory() directory?: string,
  ): Promise<ToolInfoDto[]> {
    return this.tools.list(auth, directory, query.provider, query.model);
  }
}
