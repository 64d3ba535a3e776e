import { Injectable } from '@nestjs/common';
import type { AuthContext } from '../../../core/auth/auth-context';
import { NotFoundError } from '../../../core/errors/domain-error';
import { MessageRepository } from '../message.repository';
import { SessionRepository } from '../session.repository';
import { SessionService } from '../session.service';
import { SessionWriter } from '../session-writer';
import type { SessionInfo } from '../session.types';
import { copyTranscript, forkTitleBase } from './fork.copy';

/** `POST /session/{id}/fork` (OpenCode §6.2): a new session in the same project holding a prefix of this one. */
@Injectable()
export class ForkService {
  constructor(
    private readonly sessions: SessionService,
    private readonly sessionRepo: SessionRepository,
    private readonly messages: MessageRepository,
    private readonly writer: SessionWriter,
  ) {}

  async fork(auth: AuthContext, sessionId: string, input: { messageID?: string }): Promise<SessionInfo> {
    const row = await this.sessions.loadForWrite(auth, sessionId);
    const { items } = await this.messages.list(row.tenantId, row.id);
    if (input.messageID && !items.some((m) => m.info.id === input.messageID))
      throw new NotFoundError(`Message not found: ${input.messageID}`);
    const base = forkTitleBase(row.title);
    const n = (await this.sessionRepo.countForTitle(row.tenantId, row.projectId, `${base} (fork #`)) + 1;
    // Agent, model and permission stay with the original, as in OpenCode.
    const fork = await this.sessions.create(auth, { title: `${base} (fork #${n})` }, row.directory);
    const target = (await this.sessionRepo.find(row.tenantId, fork.id))!;
    for (const message of copyTranscript(items, fork.id, input.messageID)) {
      await this.writer.turn(target, message.info, message.parts);
    }
    return fork;
  }
}
