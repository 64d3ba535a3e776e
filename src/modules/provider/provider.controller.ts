import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiDoc } from '../../core/http/api-doc.decorator';
import type { AuthContext } from '../../core/auth/auth-context';
import { Auth } from '../../core/auth/auth.decorators';
import { Directory } from '../../core/http/directory.decorator';
import { ProviderCatalogueService } from './provider-catalogue.service';

@ApiTags('provider')
@ApiBearerAuth()
@Controller()
export class ProviderController {
  constructor(private readonly catalogue: ProviderCatalogueService) {}

  /** The models catalogue merged with the configured providers: `{all, default, connected}`. */
  @ApiDoc(
    'List providers and models',
    'The models catalogue merged with the configured providers, as OpenCode answers it: `{all, default, connected}`.',
    [404],
  )
  @Get('provider')
  list(@Auth() auth: AuthContext, @Directory() directory?: string): Promise<object> {
    return this.catalogue.list(auth, directory);
  }

  /** Connected providers only: `{providers, default}`. */
  @ApiDoc('Connected providers', 'The providers with credentials and their models: `{providers, default}`.', [404])
  @Get('config/providers')
  configProviders(@Auth() auth: AuthContext, @Directory() directory?: string): Promise<object> {
    return this.catalogue.configProviders(auth, directory);
  }

  /** Auth methods per provider: API keys (no OAuth flows on a shared server). */
  @ApiDoc(
    'Provider auth methods',
    "How each provider is authorised: API keys set by the school's admin (no OAuth logins on a shared server).",
    [404],
  )
  @Get('provider/auth')
  auth(@Auth() auth: AuthContext, @Directory() directory?: string): Promise<object> {
    return this.catalogue.authMethods(auth, directory);
  }
}
