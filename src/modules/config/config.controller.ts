import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { AuthContext } from '../../core/auth/auth-context';
import { Auth, Roles } from '../../core/auth/auth.decorators';
import { Directory } from '../../core/http/directory.decorator';
import { ConfigFacade } from './config.facade';

@ApiTags('config')
@ApiBearerAuth()
@Controller()
export class ConfigController {
  constructor(private readonly configs: ConfigFacade) {}

  /** The merged config of the project (platform → tenant → project). */
  @Get('config')
  get(@Auth() auth: AuthContext, @Directory() directory?: string): Promise<object> {
    return this.configs.effective(auth, directory);
  }

  /** Deep-merges the body into the project's layer. Teachers and admins only. */
  @Patch('config')
  @Roles('admin', 'teacher')
  patch(
    @Auth() auth: AuthContext,
    @Body() body: Record<string, unknown>,
    @Directory() directory?: string,
  ): Promise<object> {
    return this.configs.patchProject(auth, body, directory);
  }

  /** The tenant's layer (OpenCode: the global config file). */
  @Get('global/config')
  global(@Auth() auth: AuthContext): Promise<object> {
    return this.configs.tenant(auth);
  }

  @Patch('global/config')
  @Roles('admin')
  patchGlobal(@Auth() auth: AuthContext, @Body() body: Record<string, unknown>): Promise<object> {
    return this.configs.patchTenant(auth, body);
  }
}
