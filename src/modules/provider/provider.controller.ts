import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
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
  @Get('provider')
  list(@Auth() auth: AuthContext, @Directory() directory?: string): Promise<object> {
    return this.catalogue.list(auth, directory);
  }

  /** Connected providers only: `{providers, default}`. */
  @Get('config/providers')
  configProviders(@Auth() auth: AuthContext, @Directory() directory?: string): Promise<object> {
    return this.catalogue.configProviders(auth, directory);
  }

  /** Auth methods per provider: API keys (no OAuth flows on a shared server). */
  @Get('provider/auth')
  auth(@Auth() auth: AuthContext, @Directory() directory?: string): Promise<object> {
    return this.catalogue.authMethods(auth, directory);
  }
}
