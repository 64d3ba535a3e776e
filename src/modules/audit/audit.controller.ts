import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { AuthContext } from '../../core/auth/auth-context';
import { Auth, Roles } from '../../core/auth/auth.decorators';
import { AuditService } from './audit.service';
import { AuditEntryDto, AuditQueryDto } from './dto/audit.dto';

@ApiTags('admin')
@ApiBearerAuth()
@Controller('admin/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  /** The tenant's audit log, newest first. */
  @Get()
  @Roles('admin')
  list(@Auth() auth: AuthContext, @Query() q: AuditQueryDto): Promise<AuditEntryDto[]> {
    return this.audit.list(auth, {
      action: q.action,
      actorId: q.actorId,
      target: q.target,
      from: q.from ? new Date(q.from) : undefined,
      to: q.to ? new Date(q.to) : undefined,
      limit: q.limit,
    }) as Promise<AuditEntryDto[]>;
  }
}
