import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { AuthContext } from '../../../core/auth/auth-context';
import { newId } from '../../../core/ids';
import { LOGGER } from '../../../core/logging/logger';
import { QueueService } from '../../../infra/queue/queue.service';
import { ConfigService } from '../../config/config.service';
import { EventType } from '../../event/event.types';
import { ProviderService } from '../../provider/provider.service';
import { MessageRepository } from '../message.repository';
import type {
  HistoryView,
  LoopFinisher,
  OverflowHandler,
  StepObserver,
  StepPreparer,
  StepUsage,
} from '../session-extension.port';
import type { SessionRow } from '../session.repository';
import { SessionService } from '../session.service';
import { SessionWriter } from '../session-writer';
import {
  emptyTokens,
  type AssistantMessageInfo,
  type MessageWithParts,
  type PartInfo,
  type UserMessageInfo,
} from '../session.types';
import { pendingCompaction, summaryFor } from './compaction-history';
import { CompactionFollowUp } from './compaction-follow-up';
import { isSummaryMessage, type MessageWithParts as Loose } from './compaction.types';
import { filterCompacted } from './filter-compacted';
import { isOverflow } from './overflow';
import { pruneEnabled, selectPrune } from './prune';

/** How long the loop waits for a summary job, which may sit behind others on a busy worker. */
const JOB_WAIT_MS = 10 * 60_000;

export const compactionJobId = (sessionId: string, messageId: string) => `compaction-${sessionId}-${messageId}`;

/**
 * Compaction in the session loop (OpenCode's session/compaction.ts), bound to the loop's ports by the composition
 * root: overflow after a step or a provider ContextOverflowError asks for a compaction; the next step runs the
 * summary turn as a `session.compaction` job and waits for it; the model sees history from the last summary on;
 * the loop's end prunes old tool outputs when `compaction.prune` is set.
 */
@Injectable()
export class CompactionSteps implements StepObserver, StepPreparer, OverflowHandler, HistoryView, LoopFinisher {
  constructor(
    private readonly queues: QueueService,
    private readonly messages: MessageRepository,
    private readonly sessions: SessionService,
    private readonly config: ConfigService,
    private readonly providers: ProviderService,
    private readonly followUp: CompactionFollowUp,
    private readonly writer: SessionWriter,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** After a finished step: ask for a compaction when its usage reached the model's usable window (true then). */
  async afterStep(usage: StepUsage): Promise<boolean> {
    if (usage.assistant.summary) return false;
    const config = await this.config.effective(usage.auth, usage.session.projectId);
    const { info } = await this.providers.resolveFor(usage.session.tenantId, config, {
      providerID: usage.providerID,
      modelID: usage.modelID,
    });
    if (!isOverflow({ tokens: usage.assistant.tokens, model: { limit: info.limit }, config: config.compaction }))
      return false;
    const { items } = await this.messages.list(usage.session.tenantId, usage.session.id, {
      afterId: usage.assistant.parentID,
    });
    if (pendingCompaction(items)) return true;
    const parent = items.find((m) => m.info.id === usage.assistant.parentID)?.info as UserMessageInfo | undefined;
    await this.followUp.createRequest(
      usage.session,
      {
        agent: parent?.agent ?? usage.assistant.agent,
        model: { providerID: usage.providerID, modelID: usage.modelID },
      },
      { auto: true },
    );
    return true;
  }

  /** Before a step: run a pending compaction as a job and wait for it; true makes the loop reload history. */
  async beforeStep(
    auth: AuthContext,
    row: SessionRow,
    history: MessageWithParts[],
    signal: AbortSignal,
  ): Promise<boolean> {
    const request = pendingCompaction(history);
    if (!request) return false;
    const part = request.parts.find((p): p is PartInfo & { type: 'compaction' } => p.type === 'compaction')!;
    const job = await this.queues.enqueue(
      'session.compaction',
      {
        tenantId: row.tenantId,
        sessionId: row.id,
        messageId: request.info.id,
        auto: part.auto,
        ...(part.overflow ? { overflow: true } : {}),
      },
      { jobId: compactionJobId(row.id, request.info.id) },
    );
    let aborted: () => void = () => undefined;
    const onAbort = new Promise<'aborted'>((resolve) => {
      aborted = () => resolve('aborted');
      signal.addEventListener('abort', aborted, { once: true });
    });
    try {
      await Promise.race([this.queues.waitForResult(job, JOB_WAIT_MS), onAbort]);
    } catch (err) {
      this.logger.warn({ err, sessionId: row.id, jobId: job.id }, 'compaction job failed');
      await this.markFailed(row, request, err as Error);
    } finally {
      signal.removeEventListener('abort', aborted);
    }
    return true;
  }

  /** A job that gave up leaves the request answered by an errored summary, so the loop stops instead of retrying forever. */
  private async markFailed(row: SessionRow, request: MessageWithParts, err: Error): Promise<void> {
    const { items } = await this.messages.list(row.tenantId, row.id, { afterId: request.info.id });
    const existing = summaryFor(items, request.info.id)?.info as AssistantMessageInfo | undefined;
    if (existing?.finish) return;
    const user = request.info as UserMessageInfo;
    const info: AssistantMessageInfo = existing ?? {
      id: newId('message'),
      sessionID: row.id,
      role: 'assistant',
      parentID: request.info.id,
      time: { created: Date.now() },
      modelID: user.model.modelID,
      providerID: user.model.providerID,
      mode: 'compaction',
      agent: 'compaction',
      path: { cwd: row.directory, root: row.directory },
      summary: true,
      cost: 0,
      tokens: emptyTokens(),
    };
    info.error = { name: 'UnknownError', data: { message: `Compaction failed: ${err.message}` } };
    info.finish = 'error';
    info.time.completed = Date.now();
    await this.writer.message(row, info);
    this.sessions.publish(row, EventType.SessionError, { sessionID: row.id, error: info.error });
  }

  async afterLoop(auth: AuthContext, row: SessionRow): Promise<void> {
    const config = await this.config.effective(auth, row.projectId);
    if (pruneEnabled(config.compaction)) await this.prune(row, (await this.messages.list(row.tenantId, row.id)).items);
  }

  /**
   * The provider refused a step as too large (ContextOverflowError): ask for an overflow compaction, which the
   * loop runs next, then it replays the interrupted message. False leaves the error on the step.
   */
  async onOverflow(auth: AuthContext, row: SessionRow, assistant: AssistantMessageInfo): Promise<boolean> {
    const config = await this.config.effective(auth, row.projectId);
    if (config.compaction?.auto === false) return false;
    const { items } = await this.messages.list(row.tenantId, row.id);
    // No step finished since the last summary: compaction already ran and could not make room.
    const finished = (m: MessageWithParts) => m.info.role === 'assistant' && !!m.info.finish && !m.info.error;
    const summary = items.findLast((m) => finished(m) && isSummaryMessage(m as unknown as Loose));
    const finishedSince = items.some(
      (m) => finished(m) && !isSummaryMessage(m as unknown as Loose) && m.info.id > (summary?.info.id ?? ''),
    );
    if (summary && !finishedSince) return false;
    const parent = items.find((m) => m.info.id === assistant.parentID)?.info as UserMessageInfo | undefined;
    const like = {
      agent: parent?.agent ?? assistant.agent,
      model: { providerID: assistant.providerID, modelID: assistant.modelID },
    };
    await this.followUp.createRequest(row, like, { auto: true, overflow: !assistant.finish });
    return true;
  }

  /** OpenCode's prune: old tool outputs beyond the protected window are marked compacted (cleared for the model). */
  private async prune(row: SessionRow, items: MessageWithParts[]): Promise<number> {
    const selection = selectPrune(items as unknown as Loose[]);
    if (!selection.partIds.length) return 0;
    const ids = new Set(selection.partIds);
    const now = Date.now();
    for (const part of items.flatMap((m) => m.parts)) {
      if (!ids.has(part.id) || part.type !== 'tool' || part.state.status !== 'completed') continue;
      const updated: PartInfo = { ...part, state: { ...part.state, time: { ...part.state.time, compacted: now } } };
      await this.writer.part(row, updated);
    }
    this.logger.debug(
      { sessionId: row.id, parts: ids.size, tokens: selection.prunedTokens },
      'pruned old tool outputs',
    );
    return ids.size;
  }

  visible(history: MessageWithParts[]): MessageWithParts[] {
    return filterCompacted(history as unknown as Loose[]) as unknown as MessageWithParts[];
  }
}
