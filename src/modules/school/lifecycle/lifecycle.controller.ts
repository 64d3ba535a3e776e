import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiDoc } from '../../../core/http/api-doc.decorator';
import type { AuthContext } from '../../../core/auth/auth-context';
import { Auth, Roles } from '../../../core/auth/auth.decorators';
import { LifecycleService, type UserExport } from './lifecycle.service';

@ApiTags('admin')
@ApiBearerAuth()
@Controller('admin/users')
export class LifecycleController {
  constructor(private readonly lifecycle: LifecycleService) {}

  /** Every session of the user with its messages and parts, as JSON. */
  @ApiDoc(
    "Export a user's data",
    'Every session of the user with its messages and parts, as JSON (admins, for data requests).',
    [403, 404],
  )
  @Get(':id/export')
  @Roles('admin')
  export(@Auth() auth: AuthContext, @Param('id') id: string): Promise<UserExport> {
    return this.lifecycle.export(auth, id);
  }
}
