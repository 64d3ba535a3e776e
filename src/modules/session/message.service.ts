import { Injectable } from '@nestjs/common';
import type { AuthContext } from '../../core/auth/auth-context';
import { BadRequestError, NotFoundError } from '../../core/errors/domain-error';
import { isId } from '../../core/ids';
import { MessageRepository } from './message.repository';
import { applyClientEdit } from './part-edit';
import { SessionWriter } from './session-writer';
import { SessionBusyError } from './session.errors';
import { SessionService } from './session.service';
import type { MessageWithParts, PartInfo } from './session.types';
import { SessionRunService } from './run/session-run.service';

/** Reading and editing the transcript. */
@Injectable()
export class MessageService {
  constructor(
    private readonly sessions: SessionService,
    private readonly messages: MessageRepository,
    private readonly runs: SessionRunService,
    private readonly writer: SessionWriter,
  ) {}

  /** Oldest → newest; with `limit`, pages backwards through `before` (an opaque cursor = a message id). */
  async list(
    auth: AuthContext,
    sessionId: string,
    opts: { limit?: number; before?: string },
  ): Promise<{ items: MessageWithParts[]; nextCursor?: string }> {
    await this.sessions.load(auth, sessionId);
    if (opts.before && !opts.limit) throw new BadRequestError('`before` needs `limit`');
    if (opts.before && !isId('message', opts.before)) throw new BadRequestError('Invalid cursor');
    const { items, more } = await this.messages.list(auth.tenantId, sessionId, {
      limit: opts.limit || undefined,
      before: opts.before,
    });
    return { items, nextCursor: more && items.length ? items[0].info.id : undefined };
  }

  async get(auth: AuthContext, sessionId: string, messageId: string): Promise<MessageWithParts> {
    await this.sessions.load(auth, sessionId);
    const msg = isId('message', messageId) ? await this.messages.getMessage(auth.tenantId, sessionId, messageId) : null;
    if (!msg) throw new NotFoundError(`Message not found: ${messageId}`);
    return msg;
  }

  async remove(auth: AuthContext, sessionId: string, messageId: string): Promise<boolean> {
    const row = await this.sessions.loadForWrite(auth, sessionId);
    if ((await this.runs.statuses(auth.tenantId, () => true))[sessionId]) throw new SessionBusyError(sessionId);
    if (!isId('message', messageId) || !(await this.writer.removeMessage(row, messageId)))
      throw new NotFoundError(`Message not found: ${messageId}`);
    return true;
  }

  async removePart(auth: AuthContext, sessionId: string, messageId: string, partId: string): Promise<boolean> {
    const row = await this.sessions.loadForWrite(auth, sessionId);
    await this.get(auth, sessionId, messageId);
    const part = { id: partId, messageID: messageId };
    if (!isId('part', partId) || !(await this.writer.removePart(row, part, { onlyIfStored: true })))
      throw new NotFoundError(`Part not found: ${partId}`);
    return true;
  }

  async updatePart(
    auth: AuthContext,
    sessionId: string,
    messageId: string,
    partId: string,
    body: PartInfo,
  ): Promise<PartInfo> {
    const row = await this.sessions.loadForWrite(auth, sessionId);
    if (body.id !== partId || body.messageID !== messageId || body.sessionID !== sessionId)
      throw new BadRequestError('Part ids in the body must match the path');
    const existing = isId('part', partId) ? await this.messages.getPart(auth.tenantId, messageId, partId) : null;
    if (!existing) throw new NotFoundError(`Part not found: ${partId}`);
    if (existing.type !== body.type)
      throw new BadRequestError(`Part type cannot change (${existing.type} → ${body.type})`);
    const part = applyClientEdit(existing, body as unknown as Record<string, unknown>);
    await this.writer.part(row, part);
    return part;
  }
}
