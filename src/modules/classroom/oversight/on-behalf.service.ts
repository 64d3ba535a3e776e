import { Injectable } from '@nestjs/common';
import type { AuthContext } from '../../../core/auth/auth-context';
import { AuditService } from '../../audit/audit.service';
import { PermissionService } from '../../permission/permission.service';
import { QuestionService } from '../../question/question.service';
import type { SessionRow } from '../../session/session.repository';
import { SessionService } from '../../session/session.service';

/**
 * A teacher answering a student's pending permission ask or question. The session must be one the teacher may
 * read (a student of a class they teach; admins: the school), and the ask must belong to that session and student;
 * anything else is a 404. Every answer is audited with the student it was given for.
 */
@Injectable()
export class OnBehalfService {
  constructor(
    private readonly sessions: SessionService,
    private readonly permissions: PermissionService,
    private readonly questions: QuestionService,
    private readonly audit: AuditService,
  ) {}

  async permission(
    auth: AuthContext,
    sessionId: string,
    requestId: string,
    reply: 'once' | 'reject',
    message?: string,
  ): Promise<boolean> {
    const row = await this.sessions.load(auth, sessionId);
    await this.permissions.reply(auth, requestId, reply, message, async () => this.scope(row), this.behalf(row));
    await this.audit.record(auth, 'teacher.permission.reply', requestId, { sessionId, studentId: row.userId, reply });
    return true;
  }

  async answer(auth: AuthContext, sessionId: string, requestId: string, answers: string[][]): Promise<boolean> {
    const row = await this.sessions.load(auth, sessionId);
    await this.questions.reply(auth, requestId, answers, async () => this.scope(row), this.behalf(row));
    await this.audit.record(auth, 'teacher.question.reply', requestId, { sessionId, studentId: row.userId });
    return true;
  }

  async reject(auth: AuthContext, sessionId: string, requestId: string): Promise<boolean> {
    const row = await this.sessions.load(auth, sessionId);
    await this.questions.reject(auth, requestId, async () => this.scope(row), this.behalf(row));
    await this.audit.record(auth, 'teacher.question.reject', requestId, { sessionId, studentId: row.userId });
    return true;
  }

  private scope(row: SessionRow) {
    return { projectId: row.projectId, directory: row.directory, ownerId: row.userId };
  }

  private behalf(row: SessionRow) {
    return { sessionId: row.id, ownerId: row.userId };
  }
}
