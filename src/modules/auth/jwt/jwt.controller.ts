import { Body, Controller, Delete, Get, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiDoc } from '../../../core/http/api-doc.decorator';
import type { AuthContext } from '../../../core/auth/auth-context';
import { Auth, Roles } from '../../../core/auth/auth.decorators';
import { JwtSettingsDto, SetJwtSettingsDto } from './dto/jwt.dto';
import { JwtSettingsService } from './jwt-settings.service';

@ApiTags('auth')
@ApiBearerAuth()
@Controller('admin/jwt')
export class JwtController {
  constructor(private readonly settings: JwtSettingsService) {}

  @ApiDoc('Get JWT settings', "Whether the school accepts its platform's JWTs, and from which issuer (admins).", [403])
  @Get()
  @Roles('admin')
  get(@Auth() auth: AuthContext): Promise<JwtSettingsDto> {
    return this.settings.get(auth);
  }

  /** Accept the host platform's JWTs for this tenant. */
  @ApiDoc(
    'Accept platform JWTs',
    "Accept the host platform's JWTs (issuer, audience, secret or JWKS) as credentials for this school (admins).",
    [400, 403],
  )
  @Put()
  @Roles('admin')
  set(@Auth() auth: AuthContext, @Body() body: SetJwtSettingsDto): Promise<JwtSettingsDto> {
    return this.settings.set(auth, body);
  }

  @ApiDoc('Stop accepting JWTs', 'Turns JWT sign-in off for the school (admins).', [403])
  @Delete()
  @Roles('admin')
  disable(@Auth() auth: AuthContext): Promise<boolean> {
    return this.settings.disable(auth);
  }
}
