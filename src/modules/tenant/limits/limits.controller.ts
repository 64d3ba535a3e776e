import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiDoc } from '../../../core/http/api-doc.decorator';
import type { AuthContext } from '../../../core/auth/auth-context';
import { Auth, Roles } from '../../../core/auth/auth.decorators';
import { LimitsDto, UpdateLimitsDto } from './dto/limits.dto';
import { LimitsService } from './limits.service';

@ApiTags('admin')
@ApiBearerAuth()
@Controller('admin/limits')
export class LimitsController {
  constructor(private readonly limits: LimitsService) {}

  /** The school's abuse limits in force (the platform's defaults where the school set none). */
  @ApiDoc(
    'Get abuse limits',
    "The school's abuse limits in force (the platform's defaults where the school set none); admins.",
    [403],
  )
  @Get()
  @Roles('admin')
  get(@Auth() auth: AuthContext): Promise<LimitsDto> {
    return this.limits.get(auth);
  }

  /** Changes some of them, within fixed bounds (a limit cannot be switched off). */
  @ApiDoc(
    'Update abuse limits',
    'Changes some of them, within fixed bounds (a limit cannot be switched off); admins.',
    [400, 403],
  )
  @Patch()
  @Roles('admin')
  update(@Auth() auth: AuthContext, @Body() body: UpdateLimitsDto): Promise<LimitsDto> {
    return this.limits.update(auth, body);
  }
}
