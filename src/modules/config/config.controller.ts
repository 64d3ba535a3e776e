import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiDoc } from '../../core/http/api-doc.decorator';
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
  @ApiDoc(
    'Get the config',
    'The merged config of the project (platform, school, project layers), secrets redacted.',
    [404],
  )
  @Get('config')
  get(@Auth() auth: AuthContext, @Directory() directory?: string): Promise<object> {
    return this.configs.effective(auth, directory);
  }

  /** Deep-merges the body into the project's layer. Teachers and admins only. */
  @ApiDoc(
    'Update the project config',
    "Deep-merges the body into the project's layer; validated like OpenCode's config. Teachers and admins only.",
    [400, 403, 404],
  )
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
  @ApiDoc('Get the school config', "The school's layer (OpenCode's global config file), secrets redacted.", [])
  @Get('global/config')
  global(@Auth() auth: AuthContext): Promise<object> {
    return this.configs.tenant(auth);
  }

  @ApiDoc('Update the school config', "Deep-merges the body into the school's layer (admins only).", [400, 403])
  @Patch('global/config')
  @Roles('admin')
  patchGlobal(@Auth() auth: AuthContext, @Body() body: Record<string, unknown>): Promise<object> {
    return this.configs.patchTenant(auth, body);
  }
}
