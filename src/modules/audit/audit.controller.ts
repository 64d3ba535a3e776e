import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiDoc } from '../../core/http/api-doc.decorator';
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
  @ApiDoc('Audit log', "The school's audit log, newest first (admins).", [400, 403])
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
