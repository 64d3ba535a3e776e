import { Controller, Get, Ip, Param, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiDoc } from '../../../core/http/api-doc.decorator';
import type { Request, Response } from 'express';
import { Public } from '../../../core/auth/auth.decorators';
import { ShareService, type SharedTranscript } from './share.service';

/** What a share link opens: no key needed, read only. */
@ApiTags('share')
@Public()
@Controller('share/:shareID')
export class PublicShareController {
  constructor(private readonly shares: ShareService) {}

  /** The shared session, its messages with parts, and its diff. */
  @ApiDoc('Open a share link', 'The shared session, its messages with parts and its diff; no key needed.', [404])
  @Get()
  transcript(@Param('shareID') shareId: string, @Ip() ip: string): Promise<SharedTranscript> {
    return this.shares.transcript(shareId, ip);
  }

  /** Server-sent events of the shared session; the stream ends when the link is revoked. */
  @ApiDoc(
    'Follow a share link',
    'Server-sent events of the shared session; the stream ends when the link is revoked.',
    [404],
  )
  @Get('event')
  @ApiOkResponse({ description: 'text/event-stream' })
  events(@Param('shareID') shareId: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.shares.stream(shareId, req, res);
  }
}
