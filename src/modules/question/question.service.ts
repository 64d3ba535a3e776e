import { Inject, Injectable } from '@nestjs/common';
import type { AuthContext } from '../../core/auth/auth-context';
import { APP_CONFIG, type AppConfig } from '../../core/config/app-config';
import { BadRequestError, NotFoundError } from '../../core/errors/domain-error';
import { isId, newId } from '../../core/ids';
import { EventBus } from '../event/event.bus';
import { EventType } from '../event/event.types';
import { QuestionRejectedError, QuestionTimeoutError } from './question.errors';
import { QuestionRepository } from './question.repository';
import { mayAnswer, type OnBehalf } from '../permission/permission.service';
import type { ToolScope, ToolServiceSource } from '../session/session-extension.port';
import type { ToolServices } from '../tool/tool.types';
import type { QuestionInfo, QuestionRequestInfo } from '../tool/tools/question/question.types';

export interface QuestionScope {
  tenantId: string;
  sessionId: string;
  projectId: string;
  /** Owner of the session: the one who may answer (besides tenant admins). */
  ownerId: string | null;
  directory: string;
  tool?: { messageID: string; callID: string };
  abort: AbortSignal;
}

type Row = { id: string; sessionId: string; userId: string | null; questions: unknown; tool: unknown; status: string };

function toRequest(row: Pick<Row, 'id' | 'sessionId' | 'questions' | 'tool'>): QuestionRequestInfo {
  return {
    id: row.id,
    sessionID: row.sessionId,
    questions: row.questions as QuestionInfo[],
    ...(row.tool ? { tool: row.tool as QuestionRequestInfo['tool'] } : {}),
  };
}

/**
 * The question tool's requests (OpenCode's Question service) with persistence: each request is a row with
 * our own `que_` id, the answer travels over the event bus, so any API process may take the reply.
 */
@Injectable()
export class QuestionService implements ToolServiceSource {
  constructor(
    private readonly repo: QuestionRepository,
    private readonly bus: EventBus,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The question tool reaches the user through this service; the tool part id links the request to the call. */
  servicesFor({ session, messageId, abort }: ToolScope): Partial<ToolServices> {
    return {
      // The second argument (the tool call id) is passed by our question tool; the contract's one-argument
      // form stays valid for other callers.
      askQuestions: (questions: unknown[], callID?: string) =>
        this.ask(
          {
            tenantId: session.tenantId,
            sessionId: session.id,
            projectId: session.projectId,
            ownerId: session.userId,
            directory: session.directory,
            ...(callID ? { tool: { messageID: messageId, callID } } : {}),
            abort,
          },
          questions as QuestionInfo[],
        ),
    };
  }

  /** Publishes `question.asked` and waits for the answers (one array of labels per question). */
  async ask(scope: QuestionScope, questions: QuestionInfo[]): Promise<string[][]> {
    if (scope.abort.aborted) throw new QuestionRejectedError();
    const stored = questions.map((q) => ({ ...q, custom: q.custom ?? true }));
    const row = await this.repo.create({
      id: newId('question'),
      tenantId: scope.tenantId,
      sessionId: scope.sessionId,
      userId: scope.ownerId,
      questions: stored,
      tool: scope.tool,
      expiresAt: new Date(Date.now() + this.config.permissionTimeoutMs),
    });
    const answered = this.bus.waitFor(
      (e) =>
        e.tenantId === scope.tenantId &&
        (e.event.type === EventType.QuestionReplied || e.event.type === EventType.QuestionRejected) &&
        e.event.properties.requestID === row.id,
      this.config.permissionTimeoutMs,
    );
    let onAbort: () => void = () => undefined;
    const aborted = new Promise<'abort'>((resolve) => {
      onAbort = () => resolve('abort');
      scope.abort.addEventListener('abort', onAbort, { once: true });
    });
    this.publish(scope, EventType.QuestionAsked, { ...toRequest(row) });
    const outcome = await Promise.race([answered, aborted]);
    scope.abort.removeEventListener('abort', onAbort);
    if (outcome === 'abort' || !outcome) {
      // Withdrawn: tell clients the question is gone, unless someone answered in the meantime.
      if (await this.repo.resolve(scope.tenantId, row.id, outcome === 'abort' ? 'rejected' : 'expired')) {
        this.publish(scope, EventType.QuestionRejected, { sessionID: scope.sessionId, requestID: row.id });
      }
      throw outcome === 'abort'
        ? new QuestionRejectedError()
        : new QuestionTimeoutError(this.config.permissionTimeoutMs);
    }
    if (outcome.event.type === EventType.QuestionRejected) throw new QuestionRejectedError();
    return (outcome.event.properties as { answers: string[][] }).answers;
  }

  async list(auth: AuthContext): Promise<QuestionRequestInfo[]> {
    const rows = await this.repo.pending(auth.tenantId);
    return rows.filter((r) => mayAnswer(auth, r)).map(toRequest);
  }

  async reply(
    auth: AuthContext,
    id: string,
    answers: string[][],
    scopeOf: SessionScopeOf,
    onBehalf?: OnBehalf,
  ): Promise<boolean> {
    const row = await this.pendingRow(auth, id, onBehalf);
    const questions = row.questions as QuestionInfo[];
    if (answers.length > questions.length)
      throw new BadRequestError(`Got ${answers.length} answers for ${questions.length} questions`);
    const scope = await scopeOf(row.sessionId);
    if (!(await this.repo.resolve(auth.tenantId, id, 'replied', answers)))
      throw new NotFoundError(`Question not found: ${id}`);
    this.publish({ tenantId: auth.tenantId, sessionId: row.sessionId, ...scope }, EventType.QuestionReplied, {
      sessionID: row.sessionId,
      requestID: id,
      answers,
    });
    return true;
  }

  async reject(auth: AuthContext, id: string, scopeOf: SessionScopeOf, onBehalf?: OnBehalf): Promise<boolean> {
    const row = await this.pendingRow(auth, id, onBehalf);
    const scope = await scopeOf(row.sessionId);
    if (!(await this.repo.resolve(auth.tenantId, id, 'rejected'))) throw new NotFoundError(`Question not found: ${id}`);
    this.publish({ tenantId: auth.tenantId, sessionId: row.sessionId, ...scope }, EventType.QuestionRejected, {
      sessionID: row.sessionId,
      requestID: id,
    });
    return true;
  }

  private async pendingRow(auth: AuthContext, id: string, onBehalf?: OnBehalf) {
    const row = isId('question', id) ? await this.repo.find(auth.tenantId, id) : null;
    if (!row || row.status !== 'pending' || !mayAnswer(auth, row, onBehalf))
      throw new NotFoundError(`Question not found: ${id}`);
    return row;
  }

  private publish(
    scope: Pick<QuestionScope, 'tenantId' | 'sessionId' | 'projectId' | 'ownerId' | 'directory'>,
    type: string,
    properties: Record<string, unknown>,
  ) {
    this.bus.publish({
      tenantId: scope.tenantId,
      sessionId: scope.sessionId,
      ownerId: scope.ownerId ?? undefined,
      projectId: scope.projectId,
      directory: scope.directory,
      type,
      properties,
    });
  }
}

export type SessionScopeOf = (sessionId: string) => Promise<Pick<QuestionScope, 'projectId' | 'ownerId' | 'directory'>>;
