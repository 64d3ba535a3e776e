import { Injectable } from '@nestjs/common';
import { EventType } from '../../event/event.types';
import { MessageRepository } from '../message.repository';
import { SessionRepository } from '../session.repository';
import { SessionService } from '../session.service';
import { SessionWriter } from '../session-writer';
import type { AssistantMessageInfo } from '../session.types';

/** What a dead process left behind in a session: its unfinished assistant messages and open tools get an error. */
@Injectable()
export class RunRecovery {
  constructor(
    private readonly sessionRepo: SessionRepository,
    private readonly messages: MessageRepository,
    private readonly sessions: SessionService,
    private readonly writer: SessionWriter,
  ) {}

  async recover(tenantId: string, sessionId: string): Promise<void> {
    const row = await this.sessionRepo.find(tenantId, sessionId);
    if (!row) return;
    for (const info of (await this.messages.unfinishedAssistants(tenantId, sessionId)) as AssistantMessageInfo[]) {
      for (const part of await this.messages.openToolParts(tenantId, info.id)) {
        if (part.type !== 'tool' || (part.state.status !== 'pending' && part.state.status !== 'running')) continue;
        const start = part.state.status === 'running' ? part.state.time.start : Date.now();
        part.state = {
          status: 'error',
          input: part.state.input,
          error: 'Tool execution aborted',
          metadata: { interrupted: true },
          time: { start, end: Date.now() },
        };
        await this.writer.part(row, part);
      }
      const fixed: AssistantMessageInfo = {
        ...info,
        time: { ...info.time, completed: Date.now() },
        finish: info.finish ?? 'error',
        error: info.error ?? {
          name: 'UnknownError',
          data: { message: 'The server stopped while this message was being generated' },
        },
      };
      await this.writer.message(row, fixed);
      this.sessions.publish(row, EventType.SessionError, { sessionID: row.id, error: fixed.error });
    }
  }
}
