import { Injectable } from '@nestjs/common';
import { EventType } from '../../event/event.types';
import { MessageRepository } from '../message.repository';
import type { SessionRow } from '../session.repository';
import { SessionService } from '../session.service';
import { SessionWriter } from '../session-writer';
import type { AssistantMessageInfo, MessageWithParts, PartInfo } from '../session.types';

type ToolPart = Extract<PartInfo, { type: 'tool' }>;

/** What a tool that was running when its process died reports to the model and the client. */
export const INTERRUPTED_TOOL =
  'Tool execution was interrupted: the server running it stopped. It may have partly run; check its effects before running it again.';

const isOpenTool = (p: PartInfo): p is ToolPart =>
  p.type === 'tool' && (p.state.status === 'pending' || p.state.status === 'running');

/**
 * What a dead process left behind in a session. Either the run is resumed (`interrupt`: the transcript is put back
 * at its last completed step) or it is ended (`end`: the unfinished answer gets an error), when the user aborted it
 * or it cannot be resumed. Summary messages are never touched: a compaction job on a worker owns them.
 */
@Injectable()
export class RunRecovery {
  constructor(
    private readonly messages: MessageRepository,
    private readonly sessions: SessionService,
    private readonly writer: SessionWriter,
  ) {}

  /**
   * Before a resumed loop: an unfinished step that called tools keeps them (a completed call is never run again);
   * the calls still pending or running become errors the model reads, and the step ends as `tool-calls` so the loop
   * goes on from it. An unfinished step without tool calls (text or reasoning cut off mid-stream) is removed and
   * runs again. Returns how many messages were repaired or removed.
   */
  async interrupt(row: SessionRow): Promise<number> {
    let changed = 0;
    for (const message of await this.unfinished(row)) {
      const info = message.info as AssistantMessageInfo;
      if (!message.parts.some((p) => p.type === 'tool')) {
        await this.writer.removeMessage(row, info.id);
        changed++;
        continue;
      }
      const now = Date.now();
      for (const part of message.parts) {
        if (isOpenTool(part)) {
          await this.writer.part(row, this.failed(part, INTERRUPTED_TOOL, now));
        } else if ((part.type === 'text' || part.type === 'reasoning') && !part.time?.end) {
          await this.writer.part(row, { ...part, time: { start: part.time?.start ?? now, end: now } });
        }
      }
      await this.writer.message(row, { ...info, finish: 'tool-calls', time: { ...info.time, completed: now } });
      changed++;
    }
    return changed;
  }

  /**
   * Ends a run that will not be resumed: open tools and the unfinished answer get an error (an abort's when the
   * user aborted it, else the server's), and clients get a session.error.
   */
  async end(row: SessionRow, aborted: boolean): Promise<void> {
    for (const message of await this.unfinished(row)) {
      const info = message.info as AssistantMessageInfo;
      const now = Date.now();
      for (const part of message.parts.filter(isOpenTool))
        await this.writer.part(row, this.failed(part, aborted ? 'Tool execution aborted' : INTERRUPTED_TOOL, now));
      const fixed: AssistantMessageInfo = {
        ...info,
        time: { ...info.time, completed: now },
        finish: info.finish ?? 'error',
        error:
          info.error ??
          (aborted
            ? { name: 'MessageAbortedError', data: { message: 'Aborted' } }
            : { name: 'UnknownError', data: { message: 'The server stopped while this message was being generated' } }),
      };
      await this.writer.message(row, fixed);
      this.sessions.publish(row, EventType.SessionError, { sessionID: row.id, error: fixed.error });
    }
  }

  private failed(part: ToolPart, error: string, now: number): ToolPart {
    const start = part.state.status === 'running' ? part.state.time.start : now;
    return {
      ...part,
      state: {
        status: 'error',
        input: part.state.input,
        error,
        metadata: { interrupted: true },
        time: { start, end: now },
      },
    };
  }

  /** The unfinished answers among the last messages (a loop leaves at most one; a few are read to be safe). */
  private async unfinished(row: SessionRow): Promise<MessageWithParts[]> {
    const { items } = await this.messages.list(row.tenantId, row.id, { limit: 10 });
    return items.filter((m) => m.info.role === 'assistant' && !m.info.time.completed && !m.info.summary);
  }
}
