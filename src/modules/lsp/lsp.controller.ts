import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { AuthContext } from '../../core/auth/auth-context';
import { Auth } from '../../core/auth/auth.decorators';
import { ApiDoc } from '../../core/http/api-doc.decorator';
import { Directory } from '../../core/http/directory.decorator';
import { CodeIntelService } from './code-intel.service';
import type { FormatterStatus, LspStatus } from './lsp.types';

@ApiTags('instance')
@ApiBearerAuth()
@Controller()
export class LspController {
  constructor(private readonly intel: CodeIntelService) {}

  @ApiDoc(
    'Language server status',
    "The project's language servers (TypeScript/JavaScript, Python): each one started on first use inside the " +
      "project's sandbox is `connected`, one that failed to start or died is `error`; stopped ones are not listed.",
    [400, 404],
  )
  @Get('lsp')
  lsp(@Auth() auth: AuthContext, @Directory() directory?: string): Promise<LspStatus[]> {
    return this.intel.lspStatus(auth, directory);
  }

  @ApiDoc(
    'Formatter status',
    'The formatters run after edit, write and apply_patch: prettier (enabled when the project has a prettier ' +
      'configuration or depends on prettier) and those the config defines; `formatter: false` disables all.',
    [400, 404],
  )
  @Get('formatter')
  formatter(@Auth() auth: AuthContext, @Directory() directory?: string): Promise<FormatterStatus[]> {
    return this.intel.formatterStatus(auth, directory);
  }
}
