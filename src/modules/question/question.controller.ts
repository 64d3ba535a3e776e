import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { AuthContext } from '../../core/auth/auth-context';
import { Auth } from '../../core/auth/auth.decorators';
import { SessionService } from '../session/session.service';
import { QuestionReplyDto, QuestionRequestDto } from './dto/question.dto';
import { QuestionService } from './question.service';

@ApiTags('question')
@ApiBearerAuth()
@Controller('question')
export class QuestionController {
  constructor(
    private readonly questions: QuestionService,
    private readonly sessions: SessionService,
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
    const row = await this.sessions.loadForWrite(auth, sessionId);
    return { projectId: row.projectId, directory: row.directory, ownerId: row.userId };
  }
}
