import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { AuthContext } from '../../../core/auth/auth-context';
import { Auth, Roles } from '../../../core/auth/auth.decorators';
import { ApiDoc } from '../../../core/http/api-doc.decorator';
import { QuestionReplyDto } from '../../question/dto/question.dto';
import { TeacherPermissionReplyDto } from './dto/on-behalf.dto';
import { OnBehalfService } from './on-behalf.service';

@ApiTags('classroom')
@ApiBearerAuth()
@Controller('classroom/sessions/:sessionID')
export class OnBehalfController {
  constructor(private readonly onBehalf: OnBehalfService) {}

  /** Answers a student's pending permission ask in this session (a teacher of their class, or the school's admin). */
  @ApiDoc(
    "Answer a student's permission ask",
    "A teacher of the student's class (or the school's admin) answers a pending permission ask of this session on the " +
      "student's behalf: `once` or `reject` (never `always`). Audited.",
    [400, 403, 404],
  )
  @Post('permissions/:requestID/reply')
  @HttpCode(200)
  @Roles('admin', 'teacher')
  permission(
    @Auth() auth: AuthContext,
    @Param('sessionID') sessionId: string,
    @Param('requestID') requestId: string,
    @Body() body: TeacherPermissionReplyDto,
  ): Promise<boolean> {
    return this.onBehalf.permission(auth, sessionId, requestId, body.reply, body.message);
  }

  /** Answers a student's pending question in this session: one array of selected labels per question. */
  @ApiDoc(
    "Answer a student's question",
    "A teacher of the student's class (or the school's admin) answers a pending question of this session on the " +
      "student's behalf: one array of selected labels per question. Audited.",
    [400, 403, 404],
  )
  @Post('questions/:requestID/reply')
  @HttpCode(200)
  @Roles('admin', 'teacher')
  answer(
    @Auth() auth: AuthContext,
    @Param('sessionID') sessionId: string,
    @Param('requestID') requestId: string,
    @Body() body: QuestionReplyDto,
  ): Promise<boolean> {
    return this.onBehalf.answer(auth, sessionId, requestId, body.answers);
  }

  /** Dismisses a student's pending question in this session on their behalf. */
  @ApiDoc(
    "Dismiss a student's question",
    "A teacher of the student's class (or the school's admin) rejects a pending question of this session on the " +
      "student's behalf. Audited.",
    [403, 404],
  )
  @Post('questions/:requestID/reject')
  @HttpCode(200)
  @Roles('admin', 'teacher')
  reject(
    @Auth() auth: AuthContext,
    @Param('sessionID') sessionId: string,
    @Param('requestID') requestId: string,
  ): Promise<boolean> {
    return this.onBehalf.reject(auth, sessionId, requestId);
  }
}
