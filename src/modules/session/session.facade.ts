import { Injectable } from '@nestjs/common';
import type { Response } from 'express';
import type { AuthContext } from '../../core/auth/auth-context';
import { MessageService } from './message.service';
import type { PromptInput } from './prompt/prompt-input';
import { SessionPromptService } from './prompt/session-prompt.service';
import { SessionRunService } from './run/session-run.service';
import { toSessionInfo } from './session.mapper';
import { SessionRepository } from './session.repository';
import { SessionService, type CreateSessionInput, type ListSessionsInput } from './session.service';
import type { MessageWithParts, PartInfo, SessionInfo } from './session.types';

/** What the session controllers call: one method per route. */
@Injectable()
export class SessionFacade {
  constructor(
    private readonly sessions: SessionService,
    private readonly messages: MessageService,
    private readonly prompts: SessionPromptService,
    private readonly runs: SessionRunService,
    private readonly repo: SessionRepository,
  ) {}

  list(auth: AuthContext, input: ListSessionsInput): Promise<SessionInfo[]> {
    return this.sessions.list(auth, input);
  }

  create(auth: AuthContext, input: CreateSessionInput, directory?: string): Promise<SessionInfo> {
    return this.sessions.create(auth, input, directory);
  }

  get(auth: AuthContext, id: string): Promise<SessionInfo> {
    return this.sessions.get(auth, id);
  }

  /** The session, when the caller may change it (404 when they may not see it, 403 when they only watch it). */
  async writable(auth: AuthContext, id: string): Promise<SessionInfo> {
    return toSessionInfo(await this.sessions.loadForWrite(auth, id));
  }

  update(auth: AuthContext, id: string, input: Parameters<SessionService['update']>[2]): Promise<SessionInfo> {
    return this.sessions.update(auth, id, input);
  }

  remove(auth: AuthContext, id: string): Promise<boolean> {
    return this.sessions.remove(auth, id, async (sid) => {
      const row = await this.repo.find(auth.tenantId, sid);
      if (row) await this.runs.abort(row);
    });
  }

  children(auth: AuthContext, id: string): Promise<SessionInfo[]> {
    return this.sessions.children(auth, id);
  }

  todos(auth: AuthContext, id: string) {
    return this.sessions.todos(auth, id);
  }

  async statuses(auth: AuthContext): Promise<Record<string, unknown>> {
    return this.runs.statuses(auth.tenantId, await this.sessions.ownerFilter(auth));
  }

  async listMessages(
    auth: AuthContext,
    id: string,
    query: { limit?: number; before?: string },
    res: Response,
  ): Promise<MessageWithParts[]> {
    const { items, nextCursor } = await this.messages.list(auth, id, query);
    if (nextCursor && query.limit) {
      res.setHeader('X-Next-Cursor', nextCursor);
      res.setHeader('Link', `</session/${id}/message?limit=${query.limit}&before=${nextCursor}>; rel="next"`);
      res.setHeader('Access-Control-Expose-Headers', 'Link, X-Next-Cursor');
    }
    return items;
  }

  prompt(auth: AuthContext, id: string, input: PromptInput): Promise<MessageWithParts> {
    return this.prompts.prompt(auth, id, input);
  }

  promptAsync(auth: AuthContext, id: string, input: PromptInput): Promise<void> {
    return this.prompts.promptAsync(auth, id, input);
  }

  abort(auth: AuthContext, id: string): Promise<boolean> {
    return this.prompts.abort(auth, id);
  }

  getMessage(auth: AuthContext, id: string, messageId: string): Promise<MessageWithParts> {
    return this.messages.get(auth, id, messageId);
  }

  removeMessage(auth: AuthContext, id: string, messageId: string): Promise<boolean> {
    return this.messages.remove(auth, id, messageId);
  }

  removePart(auth: AuthContext, id: string, messageId: string, partId: string): Promise<boolean> {
    return this.messages.removePart(auth, id, messageId, partId);
  }

  updatePart(auth: AuthContext, id: string, messageId: string, partId: string, body: PartInfo): Promise<PartInfo> {
    return this.messages.updatePart(auth, id, messageId, partId, body);
  }
}
