import { Body, Controller, Delete, Get, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { AuthContext } from '../../../core/auth/auth-context';
import { Auth, Roles } from '../../../core/auth/auth.decorators';
import { JwtSettingsDto, SetJwtSettingsDto } from './dto/jwt.dto';
import { JwtSettingsService } from './jwt-settings.service';

@ApiTags('admin')
@ApiBearerAuth()
@Controller('admin/jwt')
export class JwtController {
  constructor(private readonly settings: JwtSettingsService) {}

  @Get()
  @Roles('admin')
  get(@Auth() auth: AuthContext): Promise<JwtSettingsDto> {
    return this.settings.get(auth);
  }

  /** Accept the host platform's JWTs for this tenant. */
  @Put()
  @Roles('admin')
  set(@Auth() auth: AuthContext, @Body() body: SetJwtSettingsDto): Promise<JwtSettingsDto> {
    return this.settings.set(auth, body);
  }

  @Delete()
  @Roles('admin')
  disable(@Auth() auth: AuthContext): Promise<boolean> {
    return this.settings.disable(auth);
  }
}
