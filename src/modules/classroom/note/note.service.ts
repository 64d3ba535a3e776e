import { Injectable } from '@nestjs/common';
import type { AuthContext } from '../../../core/auth/auth-context';
import { ForbiddenError } from '../../../core/errors/domain-error';
import { newId } from '../../../core/ids';
import { AuditService } from '../../audit/audit.service';
import { EventBus } from '../../event/event.bus';
import type { StepScope, SystemMaterial, SystemSource } from '../../session/session-extension.port';
import { SessionService } from '../../session/session.service';
import { AssignmentService } from '../assignment/assignment.service';
import type { CreateNoteDto, NoteDto } from './dto/note.dto';
import { NoteRepository, type NoteRow } from './note.repository';

export const NOTE_EVENT = 'classroom.note';

const marked = (author: string, text: string) =>
  `The student's teacher (${author}) left this note for you. It comes from the teacher, not from the student: ` +
  `follow it in this turn.\n\n${text}`;

/**
 * Teacher notes: written by a teacher of the student's class (or an admin) into a student's session, shown to the
 * student at once (a `classroom.note` event on the session) and given to the model on the next turn as a marked
 * instruction of the TurnContext's system prompt (a SYSTEM_SOURCES contributor, like instruction files). The
 * assignment a project is a copy of reaches the model the same way.
 */
@Injectable()
export class NoteService implements SystemSource {
  constructor(
    private readonly repo: NoteRepository,
    private readonly assignments: AssignmentService,
    private readonly sessions: SessionService,
    private readonly bus: EventBus,
    private readonly audit: AuditService,
  ) {}

  async create(auth: AuthContext, sessionId: string, input: CreateNoteDto): Promise<NoteDto> {
    const row = await this.sessions.load(auth, sessionId);
    if (auth.role === 'student' || row.userId === auth.userId)
      throw new ForbiddenError('Notes are left by the student’s teachers and the school’s admins', 'not_teacher');
    const note = await this.repo.create({
      id: newId('note'),
      tenantId: auth.tenantId,
      sessionId,
      authorId: auth.userId,
      text: input.text,
    });
    const dto = await this.toDto(auth.tenantId, note);
    this.bus.publish({
      tenantId: auth.tenantId,
      sessionId,
      ownerId: row.userId ?? undefined,
      projectId: row.projectId,
      directory: row.directory,
      type: NOTE_EVENT,
      properties: { sessionID: sessionId, note: dto },
    });
    await this.audit.record(auth, 'teacher.note', sessionId, { noteId: note.id, studentId: row.userId });
    return dto;
  }

  async list(auth: AuthContext, sessionId: string): Promise<NoteDto[]> {
    await this.sessions.load(auth, sessionId);
    const rows = await this.repo.list(auth.tenantId, sessionId);
    const names = await this.repo.authorNames(
      auth.tenantId,
      rows.map((r) => r.authorId).filter((x): x is string => !!x),
    );
    return rows.map((r) => this.dto(r, names));
  }

  /** The assignment's instructions and the notes for this turn, in the step's system prompt (SYSTEM_SOURCES). */
  async systemFor({ auth, session }: StepScope): Promise<SystemMaterial> {
    const instructions: { path: string; content: string }[] = [];
    const assignment = await this.assignments.forProject(session.tenantId, session.projectId);
    if (assignment?.instructions)
      instructions.push({
        path: `assignment "${assignment.title}" (set by the teacher)`,
        content: assignment.instructions,
      });
    // Only the student's own turns carry notes: a teacher looking in does not consume them.
    if (session.userId && session.userId === auth.userId) {
      for (const n of await this.repo.claimForTurn(session.tenantId, session.id))
        instructions.push({ path: 'teacher note', content: marked(n.author ?? 'teacher', n.text) });
    }
    return { instructions };
  }

  private async toDto(tenantId: string, row: NoteRow): Promise<NoteDto> {
    return this.dto(row, await this.repo.authorNames(tenantId, row.authorId ? [row.authorId] : []));
  }

  private dto(row: NoteRow, names: Map<string, string>): NoteDto {
    return {
      id: row.id,
      sessionID: row.sessionId,
      authorID: row.authorId,
      author: names.get(row.authorId ?? '') ?? 'teacher',
      text: row.text,
      time: { created: row.createdAt.getTime(), ...(row.deliveredAt ? { delivered: row.deliveredAt.getTime() } : {}) },
      messageID: row.deliveredFor,
    };
  }
}
