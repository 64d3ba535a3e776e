import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { newId } from '../../../core/ids';
import { LOGGER } from '../../../core/logging/logger';
import type { JobPayload } from '../../../infra/queue/queue.catalogue';
import { QueueService } from '../../../infra/queue/queue.service';
import { compactionRequest } from '../../agent/prompt/compaction.prompt';
import { EventType } from '../../event/event.types';
import { ProviderError, type ModelMessage } from '../../provider/provider.types';
import { LlmTurnService, messageErrorOf } from '../llm/llm-turn';
import { SessionWriter } from '../session-writer';
import { MessageRepository } from '../message.repository';
import { toModelMessages } from '../prompt/model-messages';
import { SessionRepository, type SessionRow } from '../session.repository';
import { SessionService } from '../session.service';
import { TurnContextService } from '../turn/turn-context.service';
import {
  emptyTokens,
  type AssistantMessageInfo,
  type MessageWithParts,
  type PartInfo,
  type UserMessageInfo,
} from '../session.types';
import { previousSummaryText, stripForSummary, summaryFor, withoutCompactionPairs } from './compaction-history';
import { CompactionFollowUp } from './compaction-follow-up';
import { isCompactionRequest, type MessageWithParts as Loose } from './compaction.types';
import { estimateTokens } from './estimate';
import { filterCompacted } from './filter-compacted';
import { usableTokens } from './overflow';
import { selectTail } from './tail';

export interface CompactionResult {
  summaryId?: string;
  /** The summary was already written by an earlier attempt. */
  reused?: boolean;
  tailStartId?: string;
  error?: string;
  skipped?: string;
  /** The process that ran the job (kept on the job for inspection, like the health job's). */
  workerPid?: number;
}

type Payload = JobPayload<'session.compaction'>;

/**
 * `session.compaction` job: the summary turn. Idempotent: a finished summary for the request is reused; a
 * partial one left by a killed attempt is deleted and written again, so a request ends with one summary.
 */
@Injectable()
export class CompactionProcessor implements OnModuleInit {
  constructor(
    private readonly queues: QueueService,
    private readonly sessionRepo: SessionRepository,
    private readonly messages: MessageRepository,
    private readonly sessions: SessionService,
    private readonly turns: TurnContextService,
    private readonly followUp: CompactionFollowUp,
    private readonly llm: LlmTurnService,
    private readonly writer: SessionWriter,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.queues.register('session.compaction', async (payload) => ({
      ...(await this.run(payload)),
      workerPid: process.pid,
    }));
  }

  async run(p: Payload): Promise<CompactionResult> {
    const row = await this.sessionRepo.find(p.tenantId, p.sessionId);
    if (!row) return { skipped: 'session gone' };
    const { items: all } = await this.messages.list(p.tenantId, p.sessionId);
    const index = all.findIndex((m) => m.info.id === p.messageId);
    if (index < 0 || !isCompactionRequest(all[index] as unknown as Loose)) return { skipped: 'request gone' };
    const request = all[index];
    const existing = summaryFor(all, request.info.id);
    if (existing && (existing.info as AssistantMessageInfo).finish) {
      if (p.auto && !(existing.info as AssistantMessageInfo).error)
        await this.followUp.write(row, all, request, existing, p.overflow ?? false);
      return { summaryId: existing.info.id, reused: true };
    }
    if (existing) await this.writer.removeMessage(row, existing.info.id);

    await this.sessions.touch(p.tenantId, p.sessionId, { compactingAt: new Date() });
    try {
      // An overflow summarises what came before the message it replays, and keeps no verbatim tail: the tail's
      // range would hold that message again, next to its replay.
      const replayed = p.overflow ? this.followUp.replayTarget(all, request.info.id) : undefined;
      const upTo = replayed ? [...all.slice(0, all.indexOf(replayed)), request] : all.slice(0, index + 1);
      const result = await this.summarise(row, upTo, request, !replayed, p.auto);
      if (result.summary && !result.summary.info.error) {
        if (p.auto)
          await this.followUp.write(
            row,
            (await this.messages.list(p.tenantId, p.sessionId)).items,
            request,
            result.summary,
            p.overflow ?? false,
          );
        this.sessions.publish(row, EventType.SessionCompacted, { sessionID: row.id });
      }
      return {
        summaryId: result.summary?.info.id,
        tailStartId: result.tailStartId,
        error: result.summary?.info.error?.name,
      };
    } finally {
      await this.sessions.touch(p.tenantId, p.sessionId, { compactingAt: null });
    }
  }

  private async summarise(
    row: SessionRow,
    upToRequest: MessageWithParts[],
    request: MessageWithParts,
    keepTail: boolean,
    auto: boolean,
  ): Promise<{ summary?: MessageWithParts & { info: AssistantMessageInfo }; tailStartId?: string }> {
    const user = request.info as UserMessageInfo;
    const call = await this.turns.forCompaction(row, user);
    const { config } = call;
    const { ref, info, language } = call.model;

    const visible = filterCompacted(upToRequest as unknown as Loose[]) as unknown as MessageWithParts[];
    const previous = previousSummaryText(visible);
    const candidates = withoutCompactionPairs(visible, request.info.id);
    const split = selectTail(candidates as unknown as Loose[], {
      usable: usableTokens({ model: { limit: info.limit }, config: config.compaction }),
      tailTurns: keepTail ? config.compaction?.tail_turns : 0,
      preserveRecentTokens: config.compaction?.preserve_recent_tokens,
      estimate: (m) => estimateTokens(toModelMessages([m as unknown as MessageWithParts], ref)),
    });
    const head = stripForSummary(split.head as unknown as MessageWithParts[]);
    const messages: ModelMessage[] = [
      ...toModelMessages(head, ref),
      { role: 'user', content: [{ type: 'text', text: compactionRequest(previous) }] },
    ];

    const summary: MessageWithParts & { info: AssistantMessageInfo } = {
      info: {
        id: newId('message'),
        sessionID: row.id,
        role: 'assistant',
        parentID: request.info.id,
        time: { created: Date.now() },
        modelID: ref.modelID,
        providerID: ref.providerID,
        mode: 'compaction',
        agent: 'compaction',
        path: { cwd: row.directory, root: row.directory },
        summary: true,
        cost: 0,
        tokens: emptyTokens(),
      },
      parts: [],
    };
    await this.saveMessage(row, summary.info);
    const text: PartInfo & { type: 'text' } = {
      id: newId('part'),
      sessionID: row.id,
      messageID: summary.info.id,
      type: 'text',
      text: '',
      time: { start: Date.now() },
    };
    let finish = 'stop';
    // A manual summary (POST /session/{id}/summarize) and an automatic compaction are metered apart.
    const metered = this.llm.call({
      session: row,
      purpose: auto ? 'compaction' : 'summary',
      model: info,
      language,
      request: { ...call.request, messages },
      messageId: summary.info.id,
    });
    try {
      for await (const ev of metered) {
        if (ev.type === 'text-delta' && ev.delta) {
          text.text += ev.delta;
          void this.writer.delta(row, text, ev.delta);
        } else if (ev.type === 'finish') {
          finish = ev.reason;
        }
      }
    } catch (err) {
      const refused = messageErrorOf(err);
      if (!refused && !(err instanceof ProviderError && err.kind === 'context_overflow')) throw err;
      // A spent budget, or a head that alone does not fit the model: retrying cannot help.
      summary.info.error = refused ?? {
        name: 'ContextOverflowError',
        data: { message: 'Session too large to compact: start a new session or remove large attachments.' },
      };
      summary.info.finish = 'error';
      summary.info.time.completed = Date.now();
      await this.saveMessage(row, summary.info);
      this.sessions.publish(row, EventType.SessionError, { sessionID: row.id, error: summary.info.error });
      return { summary };
    }

    text.time = { start: text.time!.start, end: Date.now() };
    await this.savePart(row, text);
    summary.parts.push(text);
    if (metered.cost) {
      const step = metered.cost;
      summary.info.tokens = {
        total: step.tokens.total,
        input: step.tokens.input,
        output: step.tokens.output,
        reasoning: step.tokens.reasoning,
        cache: step.tokens.cache,
      };
      summary.info.cost = step.costNumber;
    }
    const compactionPart = request.parts.find((p) => p.type === 'compaction');
    if (compactionPart && split.tailStartId) {
      const updated = { ...compactionPart, tail_start_id: split.tailStartId } as PartInfo;
      await this.savePart(row, updated);
    }
    // Finished last: only a complete summary (text and tail start written) counts as a compaction.
    summary.info.finish = finish === 'tool-calls' ? 'stop' : finish;
    summary.info.time.completed = Date.now();
    await this.saveMessage(row, summary.info);
    this.logger.debug(
      { sessionId: row.id, summaryId: summary.info.id, head: split.head.length, tail: split.tail.length },
      'session compacted',
    );
    return { summary, tailStartId: split.tailStartId };
  }

  private saveMessage(row: SessionRow, info: AssistantMessageInfo): Promise<void> {
    return this.writer.message(row, info);
  }

  private savePart(row: SessionRow, part: PartInfo): Promise<void> {
    return this.writer.part(row, part);
  }
}
