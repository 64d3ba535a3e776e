import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiDoc } from '../../../core/http/api-doc.decorator';
import type { AuthContext } from '../../../core/auth/auth-context';
import { Auth, Roles } from '../../../core/auth/auth.decorators';
import { CreateNoteDto, NoteDto } from './dto/note.dto';
import { NoteService } from './note.service';

@ApiTags('classroom')
@ApiBearerAuth()
@Controller('classroom/sessions/:sessionID/notes')
export class NoteController {
  constructor(private readonly notes: NoteService) {}

  /**
   * A note into a student's session (a teacher of the student's class, or the school's admin): a `classroom.note`
   * event reaches the student's stream now, and the model gets it, marked as the teacher's, on the next turn.
   */
  @ApiDoc(
    "Add a teacher's note",
    "A note into a student's session (a teacher of the student's class, or the school's admin): the student sees it at once, the model on the next turn.",
    [400, 403, 404],
  )
  @Post()
  @HttpCode(200)
  @Roles('admin', 'teacher')
  create(
    @Auth() auth: AuthContext,
    @Param('sessionID') sessionId: string,
    @Body() body: CreateNoteDto,
  ): Promise<NoteDto> {
    return this.notes.create(auth, sessionId, body);
  }

  /** The session's notes, oldest first (the student, their teachers, the school's admins). */
  @ApiDoc('List notes', "The session's notes, oldest first (the student, their teachers, the school's admins).", [404])
  @Get()
  list(@Auth() auth: AuthContext, @Param('sessionID') sessionId: string): Promise<NoteDto[]> {
    return this.notes.list(auth, sessionId);
  }
}
