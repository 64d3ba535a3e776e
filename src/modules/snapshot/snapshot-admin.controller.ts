import { Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiDoc } from '../../core/http/api-doc.decorator';
import type { AuthContext } from '../../core/auth/auth-context';
import { Auth, Roles } from '../../core/auth/auth.decorators';
import { SnapshotGcProcessor } from './snapshot-gc.processor';

@ApiTags('admin: snapshots')
@ApiBearerAuth()
@Controller('admin/snapshots')
export class SnapshotAdminController {
  constructor(private readonly gc: SnapshotGcProcessor) {}

  /** Queues snapshot garbage collection for the caller's school now (it also runs daily). */
  @ApiDoc(
    'Collect snapshot garbage',
    "Queues snapshot garbage collection for the caller's school now (it also runs daily).",
    [403],
  )
  @Post('gc')
  @HttpCode(202)
  @Roles('admin')
  collect(@Auth() auth: AuthContext): Promise<{ jobId: string }> {
    return this.gc.enqueue(auth.tenantId);
  }
}
