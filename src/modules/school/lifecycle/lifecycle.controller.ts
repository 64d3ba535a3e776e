import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { AuthContext } from '../../../core/auth/auth-context';
import { Auth, Roles } from '../../../core/auth/auth.decorators';
import { LifecycleService, type UserExport } from './lifecycle.service';

@ApiTags('admin')
@ApiBearerAuth()
@Controller('admin/users')
export class LifecycleController {
  constructor(private readonly lifecycle: LifecycleService) {}

  /** Every session of the user with its messages and parts, as JSON. */
  @Get(':id/export')
  @Roles('admin')
  export(@Auth() auth: AuthContext, @Param('id') id: string): Promise<UserExport> {
    return this.lifecycle.export(auth, id);
  }
}
