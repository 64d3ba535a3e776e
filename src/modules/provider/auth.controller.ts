import { Body, Controller, Delete, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiDoc } from '../../core/http/api-doc.decorator';
import type { AuthContext } from '../../core/auth/auth-context';
import { Auth, Roles } from '../../core/auth/auth.decorators';
import { ProviderAuthDto, ProviderIdParamDto } from './dto/provider-auth.dto';
import { CredentialService, type AuthInput } from './credential.service';

@ApiTags('provider')
@ApiBearerAuth()
@Controller('auth')
export class ProviderAuthController {
  constructor(private readonly credentials: CredentialService) {}

  /** Stores a provider credential for the whole school (admins). Never returned afterwards. */
  @ApiDoc(
    'Set a provider credential',
    'Stores an API key for the whole school, encrypted at rest and never returned (admins only).',
    [400, 403],
  )
  @Put(':providerID')
  @Roles('admin')
  set(@Auth() auth: AuthContext, @Param() params: ProviderIdParamDto, @Body() body: ProviderAuthDto): Promise<boolean> {
    return this.credentials.set(auth, params.providerID, body as AuthInput);
  }

  @ApiDoc('Remove a provider credential', "Removes the school's credential for the provider (admins only).", [403, 404])
  @Delete(':providerID')
  @Roles('admin')
  remove(@Auth() auth: AuthContext, @Param() params: ProviderIdParamDto): Promise<boolean> {
    return this.credentials.remove(auth, params.providerID);
  }
}
