import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  Res,
  UseInterceptors,
} from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiDoc } from '../../core/http/api-doc.decorator';
import type { Response } from 'express';
import type { AuthContext } from '../../core/auth/auth-context';
import { Auth } from '../../core/auth/auth.decorators';
import { IntakeAdmissionInterceptor } from '../../infra/fairness/intake-admission.interceptor';
import { MessageListQueryDto, MessageWithPartsDto, PromptDto } from './dto/session.dto';
import { SessionFacade } from './session.facade';
import type { PartInfo } from './session.types';

@ApiTags('session')
@ApiBearerAuth()
@Controller('session/:sessionID')
export class MessageController {
  constructor(private readonly sessions: SessionFacade) {}

  /** Oldest first. With `limit`, more pages are announced by `Link: …; rel="next"` and `X-Next-Cursor`. */
  @ApiDoc(
    'List messages',
    'Messages with their parts, oldest first; with `limit`, more pages are announced by `Link` and `X-Next-Cursor`.',
    [400, 404],
  )
  @Get('message')
  list(
    @Auth() auth: AuthContext,
    @Param('sessionID') id: string,
    @Query() query: MessageListQueryDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<MessageWithPartsDto[]> {
    return this.sessions.listMessages(auth, id, query, res);
  }

  /** Prompt and wait: answers with the last assistant message when the turn is done. */
  @ApiDoc(
    'Send a prompt and wait',
    'Adds the user message and runs the agent; answers with the last assistant message when the turn is done. Counted against the budgets; 429 when spent.',
    [400, 403, 404, 429],
  )
  @Post('message')
  @HttpCode(200)
  @UseInterceptors(IntakeAdmissionInterceptor)
  prompt(
    @Auth() auth: AuthContext,
    @Param('sessionID') id: string,
    @Body() body: PromptDto,
  ): Promise<MessageWithPartsDto> {
    return this.sessions.prompt(auth, id, body);
  }

  /** Prompt in the background: 204 at once; follow `/event`. */
  @ApiDoc('Send a prompt', 'Like POST /message but answers 204 at once; follow the events.', [400, 403, 404, 429])
  @Post('prompt_async')
  @HttpCode(204)
  @UseInterceptors(IntakeAdmissionInterceptor)
  async promptAsync(@Auth() auth: AuthContext, @Param('sessionID') id: string, @Body() body: PromptDto): Promise<void> {
    await this.sessions.promptAsync(auth, id, body);
  }

  @ApiDoc(
    'Abort the running turn',
    "Stops the turn (true even when idle); teachers may stop their students' runaway turns.",
    [404],
  )
  @Post('abort')
  @HttpCode(200)
  abort(@Auth() auth: AuthContext, @Param('sessionID') id: string): Promise<boolean> {
    return this.sessions.abort(auth, id);
  }

  @ApiDoc('Get a message', 'One message with its parts.', [404])
  @Get('message/:messageID')
  get(
    @Auth() auth: AuthContext,
    @Param('sessionID') id: string,
    @Param('messageID') messageId: string,
  ): Promise<MessageWithPartsDto> {
    return this.sessions.getMessage(auth, id, messageId);
  }

  @ApiDoc('Delete a message', 'Removes a message and its parts; 409 while the session is busy.', [403, 404, 409])
  @Delete('message/:messageID')
  remove(
    @Auth() auth: AuthContext,
    @Param('sessionID') id: string,
    @Param('messageID') messageId: string,
  ): Promise<boolean> {
    return this.sessions.removeMessage(auth, id, messageId);
  }

  @ApiDoc('Delete a part', 'Removes one part of a message.', [403, 404, 409])
  @Delete('message/:messageID/part/:partID')
  removePart(
    @Auth() auth: AuthContext,
    @Param('sessionID') id: string,
    @Param('messageID') messageId: string,
    @Param('partID') partId: string,
  ): Promise<boolean> {
    return this.sessions.removePart(auth, id, messageId, partId);
  }

  /** Replaces a part; its ids must match the path. */
  @ApiDoc('Replace a part', 'Replaces a part; its ids must match the path.', [400, 403, 404])
  @Patch('message/:messageID/part/:partID')
  updatePart(
    @Auth() auth: AuthContext,
    @Param('sessionID') id: string,
    @Param('messageID') messageId: string,
    @Param('partID') partId: string,
    @Body() body: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    return this.sessions.updatePart(auth, id, messageId, partId, body as unknown as PartInfo) as unknown as Promise<
      Record<string, unknown>
    >;
  }
}
