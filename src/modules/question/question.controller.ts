import { Body, Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
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
  @Get()
  list(@Auth() auth: AuthContext): Promise<QuestionRequestDto[]> {
    return this.questions.list(auth);
  }

  @Post(':requestID/reply')
  @HttpCode(200)
  reply(@Auth() auth: AuthContext, @Param('requestID') id: string, @Body() body: QuestionReplyDto): Promise<boolean> {
    return this.questions.reply(auth, id, body.answers, (sid) => this.scope(auth, sid));
  }

  @Post(':requestID/reject')
  @HttpCode(200)
  reject(@Auth() auth: AuthContext, @Param('requestID') id: string): Promise<boolean> {
    return this.questions.reject(auth, id, (sid) => this.scope(auth, sid));
  }

  private async scope(auth: AuthContext, sessionId: string) {
    return this.sessions.writableScope(auth, sessionId);
  }
}
