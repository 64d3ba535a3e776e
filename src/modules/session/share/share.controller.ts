import { Controller, Delete, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiDoc } from '../../../core/http/api-doc.decorator';
import type { AuthContext } from '../../../core/auth/auth-context';
import { Auth } from '../../../core/auth/auth.decorators';
import { SessionDto } from '../dto/session.dto';
import { RequestOrigin } from './request-origin.decorator';
import { ShareService } from './share.service';

@ApiTags('session')
@ApiBearerAuth()
@Controller('session/:sessionID')
export class ShareController {
  constructor(private readonly shares: ShareService) {}

  /** A public read-only link in `share.url`; 403 when the school does not allow sharing. */
  @ApiDoc(
    'Share a session',
    'A public read-only link in `share.url`; 403 when the school does not allow sharing.',
    [403, 404],
  )
  @Post('share')
  @HttpCode(200)
  share(
    @Auth() auth: AuthContext,
    @Param('sessionID') id: string,
    @RequestOrigin() origin: string,
  ): Promise<SessionDto> {
    return this.shares.share(auth, id, origin);
  }

  /** Revokes the link at once. */
  @ApiDoc('Stop sharing a session', 'Revokes the link at once; open viewers are disconnected.', [403, 404])
  @Delete('share')
  unshare(@Auth() auth: AuthContext, @Param('sessionID') id: string): Promise<SessionDto> {
    return this.shares.unshare(auth, id);
  }
}
