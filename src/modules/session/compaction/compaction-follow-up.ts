import { Injectable } from '@nestjs/common';
import { newId } from '../../../core/ids';
import { COMPACTION_CONTINUE } from '../../agent/prompt/compaction.prompt';
import type { SessionRow } from '../session.repository';
import { SessionWriter } from '../session-writer';
import type { MessageWithParts, PartInfo, UserMessageInfo } from '../session.types';
import { isCompactionRequest, type MessageWithParts as Loose } from './compaction.types';

const DROPPED_MEDIA_NOTE =
  'Attachments from the interrupted message were replaced by short notes; ask the user to send them again if you need them.';

/** The user messages compaction writes: the request itself, and what follows an automatic summary. */
@Injectable()
export class CompactionFollowUp {
  constructor(private readonly writer: SessionWriter) {}

  /** A user message carrying a `compaction` part, for the loop (or its next run) to process. */
  async createRequest(
    row: SessionRow,
    like: Pick<UserMessageInfo, 'agent' | 'model'>,
    opts: { auto: boolean; overflow?: boolean },
  ): Promise<MessageWithParts> {
    const now = Date.now();
    const info: UserMessageInfo = {
      id: newId('message', { at: now }),
      sessionID: row.id,
      role: 'user',
      time: { created: now },
      agent: like.agent,
      model: { providerID: like.model.providerID, modelID: like.model.modelID },
    };
    const part: PartInfo = {
      id: newId('part'),
      sessionID: row.id,
      messageID: info.id,
      type: 'compaction',
      auto: opts.auto,
      ...(opts.overflow ? { overflow: true } : {}),
    };
    await this.save(row, info, [part]);
    return { info, parts: [part] };
  }

  /**
   * After an automatic summary: replay the user message the overflow interrupted, or ask the model to go on.
   * Nothing is written when a user message already follows the summary (a retried job, or the user spoke).
   */
  async write(
    row: SessionRow,
    all: MessageWithParts[],
    request: MessageWithParts,
    summary: MessageWithParts,
    overflow: boolean,
  ): Promise<void> {
    if (all.some((m) => m.info.role === 'user' && m.info.id > summary.info.id)) return;
    const like = request.info as UserMessageInfo;
    const now = Date.now();
    const info: UserMessageInfo = {
      id: newId('message', { at: now }),
      sessionID: row.id,
      role: 'user',
      time: { created: now },
      agent: like.agent,
      model: like.model,
    };
    const replayed = overflow ? this.replayTarget(all, request.info.id) : undefined;
    const base = { sessionID: row.id, messageID: info.id };
    let parts: PartInfo[];
    if (replayed) {
      parts = replayed.parts.flatMap((p): PartInfo[] => {
        if (p.type === 'text' && !p.synthetic && !p.ignored)
          return [{ ...base, id: newId('part'), type: 'text', text: p.text }];
        if (p.type === 'file')
          return [
            {
              ...base,
              id: newId('part'),
              type: 'text',
              text: `[Attached ${p.mime}: ${p.filename ?? 'file'}]`,
              synthetic: true,
            },
          ];
        return [];
      });
    } else {
      const text = overflow ? `${COMPACTION_CONTINUE}\n\n${DROPPED_MEDIA_NOTE}` : COMPACTION_CONTINUE;
      parts = [
        { ...base, id: newId('part'), type: 'text', text, synthetic: true, metadata: { compaction_continue: true } },
      ];
    }
    if (!parts.length) return;
    await this.save(row, info, parts);
  }

  /** The user message an overflow compaction replays: the last real one before the request. */
  replayTarget(all: MessageWithParts[], before: string): MessageWithParts | undefined {
    for (let i = all.length - 1; i >= 0; i--) {
      const m = all[i];
      if (m.info.id >= before || m.info.role !== 'user' || isCompactionRequest(m as unknown as Loose)) continue;
      if (m.parts.some((p) => p.type === 'text' && p.synthetic && p.metadata?.compaction_continue)) continue;
      if (m.parts.some((p) => p.type === 'text' && !p.synthetic && !p.ignored)) return m;
    }
    return undefined;
  }

  private async save(row: SessionRow, info: UserMessageInfo, parts: PartInfo[]): Promise<void> {
    await this.writer.turn(row, info, parts);
  }
}
