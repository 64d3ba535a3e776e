import { Body, Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiDoc } from '../../core/http/api-doc.decorator';
import type { AuthContext } from '../../core/auth/auth-context';
import { Auth } from '../../core/auth/auth.decorators';
import { NotFoundError } from '../../core/errors/domain-error';
import { LegacyPermissionReplyDto, PermissionReplyDto, PermissionRequestDto } from './dto/permission.dto';
import { PermissionService } from './permission.service';
import { SESSION_ACCESS, type SessionAccess } from './session-access.port';

@ApiTags('permission')
@ApiBearerAuth()
@Controller()
export class PermissionController {
  constructor(
    private readonly permissions: PermissionService,
    @Inject(SESSION_ACCESS) private readonly sessions: SessionAccess,
  ) {}

  /** Pending permission requests the caller may answer. */
  @ApiDoc('List pending permissions', 'Permission requests of the agent that the caller may answer.', [])
  @Get('permission')
  list(@Auth() auth: AuthContext): Promise<PermissionRequestDto[]> {
    return this.permissions.list(auth);
  }

  @ApiDoc(
    'Answer a permission request',
    '`once`, `always` or `reject` a pending request; `always` adds a rule for the session.',
    [400, 404],
  )
  @Post('permission/:requestID/reply')
  @HttpCode(200)
  reply(@Auth() auth: AuthContext, @Param('requestID') id: string, @Body() body: PermissionReplyDto): Promise<boolean> {
    return this.permissions.reply(auth, id, body.reply, body.message, (sid) => this.scope(auth, sid));
  }

  /** Deprecated OpenCode route, kept for older clients. */
  @ApiDoc(
    'Answer a permission request (legacy)',
    "OpenCode's deprecated per-session route, kept for older clients; the request must belong to the session named.",
    [400, 404],
  )
  @Post('session/:sessionID/permissions/:permissionID')
  @HttpCode(200)
  legacyReply(
    @Auth() auth: AuthContext,
    @Param('sessionID') sessionId: string,
    @Param('permissionID') id: string,
    @Body() body: LegacyPermissionReplyDto,
  ): Promise<boolean> {
    return this.permissions.reply(auth, id, body.response, undefined, (sid) => this.scope(auth, sid, sessionId));
  }

  private async scope(auth: AuthContext, sessionId: string, expected?: string) {
    // The legacy route names the session: the request must belong to it, not to some other session of the caller.
    if (expected && expected !== sessionId)
      throw new NotFoundError(`Permission request not found in session ${expected}`);
    return this.sessions.writableScope(auth, sessionId);
  }
}
