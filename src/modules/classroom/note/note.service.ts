import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
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

/**
 * How long a session known to have no note is not asked again: a note reaches the session's next step as soon as
 * its event reaches this process (any process that writes one publishes it), at the latest after this.
 */
const NO_NOTE_MS = 10_000;

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
export class NoteService implements SystemSource, OnModuleInit, OnModuleDestroy {
  /** Sessions whose last claim found no note, neither new nor given to their current turn: not asked again. */
  private readonly noteless = new LRUCache<string, true>({ max: 10_000, ttl: NO_NOTE_MS });
  /** Notes written anywhere since this process started (their events): a claim that raced one is not remembered. */
  private written = 0;
  private off?: () => void;

  constructor(
    private readonly repo: NoteRepository,
    private readonly assignments: AssignmentService,
    private readonly sessions: SessionService,
    private readonly bus: EventBus,
    private readonly audit: AuditService,
  ) {}

  onModuleInit(): void {
    this.off = this.bus.subscribe(
      (e) => e.event.type === NOTE_EVENT,
      (e) => this.noteWritten(String(e.sessionId)),
    );
  }

  onModuleDestroy(): void {
    this.off?.();
  }

  private noteWritten(sessionId: string): void {
    this.written++;
    this.noteless.delete(sessionId);
  }

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
    this.noteWritten(sessionId);
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
    if (session.userId && session.userId === auth.userId)
      for (const n of await this.turnNotes(session.tenantId, session.id))
        instructions.push({ path: 'teacher note', content: marked(n.author ?? 'teacher', n.text) });
    return { instructions };
  }

  /**
   * The turn's notes. Every step of every prompt asks, and almost always there is none: a session whose claim found
   * none is not asked again until a note is written to it (its event) or NO_NOTE_MS pass.
   */
  private async turnNotes(tenantId: string, sessionId: string) {
    if (this.noteless.has(sessionId)) return [];
    const before = this.written;
    const notes = await this.repo.claimForTurn(tenantId, sessionId);
    if (!notes.length && this.written === before) this.noteless.set(sessionId, true);
    return notes;
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
