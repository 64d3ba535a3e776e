import { Body, Controller, Delete, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
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
  @Put(':providerID')
  @Roles('admin')
  set(@Auth() auth: AuthContext, @Param() params: ProviderIdParamDto, @Body() body: ProviderAuthDto): Promise<boolean> {
    return this.credentials.set(auth, params.providerID, body as AuthInput);
  }

  @Delete(':providerID')
  @Roles('admin')
  remove(@Auth() auth: AuthContext, @Param() params: ProviderIdParamDto): Promise<boolean> {
    return this.credentials.remove(auth, params.providerID);
  }
}
