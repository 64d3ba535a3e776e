import { Body, Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiDoc } from '../../core/http/api-doc.decorator';
import type { AuthContext } from '../../core/auth/auth-context';
import { Auth } from '../../core/auth/auth.decorators';
import { QuestionReplyDto, QuestionRequestDto } from './dto/question.dto';
import { QuestionService } from './question.service';
import { SESSION_ACCESS, type SessionAccess } from '../permission/session-access.port';

@ApiTags('question')
@ApiBearerAuth()
@Controller('question')
export class QuestionController {
  constructor(
    private readonly questions: QuestionService,
    @Inject(SESSION_ACCESS) private readonly sessions: SessionAccess,
  ) {}

  /** Pending questions the caller may answer. */
  @ApiDoc('List pending questions', 'Questions the agent asked that the caller may answer.', [])
  @Get()
  list(@Auth() auth: AuthContext): Promise<QuestionRequestDto[]> {
    return this.questions.list(auth);
  }

  @ApiDoc('Answer a question', 'Answers a pending question; the waiting tool call goes on.', [400, 404])
  @Post(':requestID/reply')
  @HttpCode(200)
  reply(@Auth() auth: AuthContext, @Param('requestID') id: string, @Body() body: QuestionReplyDto): Promise<boolean> {
    return this.questions.reply(auth, id, body.answers, (sid) => this.scope(auth, sid));
  }

  @ApiDoc('Dismiss a question', 'Rejects a pending question; the tool call ends with an error the agent sees.', [404])
  @Post(':requestID/reject')
  @HttpCode(200)
  reject(@Auth() auth: AuthContext, @Param('requestID') id: string): Promise<boolean> {
    return this.questions.reject(auth, id, (sid) => this.scope(auth, sid));
  }

  private async scope(auth: AuthContext, sessionId: string) {
    return this.sessions.writableScope(auth, sessionId);
  }
}
