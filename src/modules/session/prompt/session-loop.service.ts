import { Inject, Injectable } from '@nestjs/common';
import { AI_DISCLOSURE, type AiDisclosure } from './ai-disclosure.port';
import type { Logger } from 'pino';
import type { AuthContext } from '../../../core/auth/auth-context';
import { APP_CONFIG, type AppConfig } from '../../../core/config/app-config';
import { DomainError } from '../../../core/errors/domain-error';
import { LOGGER } from '../../../core/logging/logger';
import { QueueService } from '../../../infra/queue/queue.service';
import { EventType } from '../../event/event.types';
import { ProviderError } from '../../provider/provider.types';
import { toMessageError } from '../../provider/retry';
import { SnapshotService } from '../../snapshot/snapshot.service';
import { WorkspaceManager } from '../../workspace/workspace-manager';
import { MessageRepository } from '../message.repository';
import { isDefaultTitle } from '../session.mapper';
import type { SessionRow } from '../session.repository';
import { SessionService } from '../session.service';
import type { AssistantMessageInfo, MessageWithParts, PartInfo, UserMessageInfo } from '../session.types';
import { handedOver } from '../run/run-handover';
import { SessionRunService } from '../run/session-run.service';
import {
  LOOP_FINISHERS,
  OVERFLOW_HANDLERS,
  STEP_PREPARERS,
  type LoopFinisher,
  type OverflowHandler,
  type PromptRunner,
  type StepPreparer,
} from '../session-extension.port';
import { LoopSinks } from './loop-sink';
import { StepProcessor } from './step-processor';
import { subtaskCall } from './subtask-call';
import type { TurnContext } from '../turn/turn-context';
import { TurnContextService } from '../turn/turn-context.service';
import { LlmTurnService } from '../llm/llm-turn';
import { SessionWriter } from '../session-writer';
import { settleStructured } from '../structured/structured-output';
import { disclosurePart, stepAssistant } from './step-assistant';
import { EarlyCall } from './early-call';
import { answerOf, LoopTrees } from './loop-trees';
import type { Workspace } from '../../workspace/workspace';

/** The agent loop (OpenCode's runLoop): step until the model stops, a step limit, an error or abort. */
@Injectable()
export class SessionLoopService {
  constructor(
    private readonly sessions: SessionService,
    private readonly messages: MessageRepository,
    private readonly runs: SessionRunService,
    private readonly turns: TurnContextService,
    private readonly queues: QueueService,
    private readonly workspaces: WorkspaceManager,
    @Inject(STEP_PREPARERS) private readonly preparers: readonly StepPreparer[],
    @Inject(OVERFLOW_HANDLERS) private readonly overflowHandlers: readonly OverflowHandler[],
    @Inject(LOOP_FINISHERS) private readonly finishers: readonly LoopFinisher[],
    private readonly sinks: LoopSinks,
    private readonly llm: LlmTurnService,
    private readonly writer: SessionWriter,
    @Inject(APP_CONFIG) private readonly app: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly snapshots: SnapshotService,
    @Inject(AI_DISCLOSURE) private readonly disclosure: AiDisclosure,
  ) {}

  /**
   * Resolves with the answer when the loop ended on a finished reply it read back (else undefined). `prompts` is
   * the intake that runs this loop: tools that prompt another session (the task tool) go through it. `history`: the
   * session's history as read with the run lease, for the first step (else it is read here).
   */
  async loop(
    auth: AuthContext,
    row: SessionRow,
    signal: AbortSignal,
    prompts: PromptRunner,
    history?: MessageWithParts[],
  ): Promise<MessageWithParts | undefined> {
    const trees = new LoopTrees();
    try {
      return await this.steps(auth, row, signal, prompts, trees, history);
    } finally {
      const end = { filesChanged: trees.filesChanged };
      // A loop handed over to another process goes on there: its finishers run there.
      for (const finisher of handedOver(signal) ? [] : this.finishers)
        await finisher
          .afterLoop(auth, row, end)
          .catch((err) => this.logger.warn({ err, sessionId: row.id }, 'after-loop extension failed'));
    }
  }

  private async steps(
    auth: AuthContext,
    row: SessionRow,
    signal: AbortSignal,
    prompts: PromptRunner,
    trees: LoopTrees,
    leased?: MessageWithParts[],
  ): Promise<MessageWithParts | undefined> {
    let history: MessageWithParts[] | undefined;
    for (let step = 1; ; step++) {
      if (signal.aborted) return;
      history = step === 1 && leased ? leased : await this.reload(row, history);
      for (const preparer of this.preparers)
        if (await preparer.beforeStep(auth, row, history, signal)) history = await this.reload(row);
      if (signal.aborted) return;
      const lastUser = [...history].reverse().find((m) => m.info.role === 'user') as
        (MessageWithParts & { info: UserMessageInfo }) | undefined;
      const answer = [...history].reverse().find((m) => m.info.role === 'assistant');
      const lastAssistant = answer?.info as AssistantMessageInfo | undefined;
      if (!lastUser) return;
      if (step === 1) trees.start(history, lastUser.info.id);
      // Answered only by a reply to this user message or a later one: a prompt stored while the previous step ran
      // can carry an older id than that step's answer (ids are taken before the insert) without being seen by it.
      if (
        lastAssistant &&
        lastAssistant.id > lastUser.info.id &&
        lastAssistant.parentID >= lastUser.info.id &&
        (lastAssistant.error || (lastAssistant.finish && lastAssistant.finish !== 'tool-calls'))
      )
        return answer;
      if (step === 1) await this.afterFirstStep(row, lastUser.info.id);
      const outcome = await this.step(auth, row, step, history, lastUser, signal, { prompts, trees });
      if (outcome === 'stop') return;
      // The step's answer is final and nothing joined it: the loop ends on it without reading the history again.
      if (outcome !== 'continue') return outcome.answer;
    }
  }

  /**
   * The history for the next step. Steps only add messages after the turn's user message (answers, joined
   * prompts, compaction requests), so after the first step only that tail is read again.
   */
  private async reload(row: SessionRow, history?: MessageWithParts[]): Promise<MessageWithParts[]> {
    const from = history && [...history].reverse().find((m) => m.info.role === 'user')?.info.id;
    if (!history || !from) return (await this.messages.list(row.tenantId, row.id)).items;
    const { items: tail } = await this.messages.list(row.tenantId, row.id, { afterId: from });
    return [...history.filter((m) => m.info.id < from), ...tail];
  }

  /** The session's first answer opens with the school's AI disclosure (disclosurePart). */
  private async disclose(row: SessionRow, assistant: AssistantMessageInfo): Promise<PartInfo[]> {
    const text = await this.disclosure.textFor(row.tenantId);
    if (!text) return [];
    const part = disclosurePart(row, assistant, text);
    await this.writer.part(row, part);
    return [part];
  }

  private async step(
    auth: AuthContext,
    row: SessionRow,
    step: number,
    history: MessageWithParts[],
    lastUser: MessageWithParts & { info: UserMessageInfo },
    signal: AbortSignal,
    { prompts, trees }: { prompts: PromptRunner; trees: LoopTrees },
  ): Promise<'stop' | 'continue' | { answer: MessageWithParts }> {
    const assistant = stepAssistant(row, lastUser.info);
    // The step's message and workspace are made ready while its turn is assembled: the first event waits for both.
    const ready = Promise.all([
      this.saveMessage(row, assistant),
      this.workspaces.get(row.tenantId, row.directory.split('/').pop()!),
    ]);
    ready.catch(() => undefined); // awaited below; after a failed turn, only waited for
    // pg's pool hands out an idle connection on the next tick, and the turn's assembly below runs as one chain of
    // microtasks: without this yield the message's INSERT would leave only once that chain waits for I/O.
    await new Promise<void>((resolve) => process.nextTick(resolve));
    let turn: TurnContext;
    try {
      turn = await this.turns.forStep(auth, row, step, history, lastUser.info);
    } catch (err) {
      // A missing key, unknown model, disabled provider or a choice the school no longer allows fails the turn at
      // once with a clear error, never a hang. Its message is stored again after the first write, never before it.
      await ready.catch(() => undefined);
      assistant.error =
        err instanceof ProviderError
          ? toMessageError(err)
          : {
              name: err instanceof DomainError ? err.errorName : 'UnknownError',
              data: { message: (err as Error).message },
            };
      assistant.finish = 'error';
      assistant.time.completed = Date.now();
      await this.saveMessage(row, assistant);
      this.sessions.publish(row, EventType.SessionError, { sessionID: row.id, error: assistant.error });
      return 'stop' as const;
    }
    const purpose = this.llm.stepPurpose(row);
    const llmCall = () =>
      this.llm.call({
        session: row,
        purpose,
        model: turn.model.info,
        language: turn.model.language,
        request: turn.request,
        signal,
        messageId: assistant.id,
        settleAfter: true,
      });
    const subtask = subtaskCall(lastUser, history);
    // The model's request leaves while the step's message is stored; its first event is read once the row is there.
    let early: EarlyCall | undefined = subtask ? undefined : new EarlyCall(llmCall());
    let workspace: Workspace;
    let disclosed: PartInfo[] = [];
    try {
      [, workspace] = await ready;
      if (!row.parentId && !history.some((m) => m.info.role === 'assistant'))
        disclosed = await this.disclose(row, assistant);
    } catch (err) {
      await early?.cancel();
      throw err;
    }
    // Doom-loop detection looks at this turn only: the same call repeated across separate user turns is fine.
    const recent = history
      .filter((m) => m.info.id > lastUser.info.id)
      .flatMap((m) => m.parts)
      .filter((p): p is Extract<PartInfo, { type: 'tool' }> => p.type === 'tool')
      .map((p) => ({ tool: p.tool, input: JSON.stringify(p.state.input ?? {}) }));

    // `released`: the step's last write ended the run (the loop ends on this answer whoever joins meanwhile).
    const more = { followUp: false, released: false };
    // This step's answer ends the loop: a reply with no tool, nothing to follow (OpenCode's exit check).
    const last = (): boolean =>
      !more.followUp &&
      !subtask &&
      !turn.format &&
      !processor.toolParts().length &&
      !assistant.error &&
      !!assistant.finish &&
      !['tool-calls', 'error'].includes(assistant.finish);
    const processor = new StepProcessor({
      assistant,
      model: turn.model.info,
      // A retried attempt makes a fresh call.
      call:
        subtask ??
        (() => {
          const call = early ?? llmCall();
          early = undefined;
          return call;
        }),
      tools: turn.tools,
      signal,
      maxRetries: this.app.retryMaxAttempts,
      sink: {
        // `tool_output` limits from config reach defineTool's truncation through ctx.extra.
        ...this.sinks.forStep({
          run: { auth, row, ruleset: turn.permission, workspace, agentName: turn.agent.name, prompts },
          recent,
          assistant,
          extra: {
            toolOutput: { maxLines: turn.config.tool_output?.max_lines, maxBytes: turn.config.tool_output?.max_bytes },
          },
          signal,
          more,
          last,
        }),
        snapshots: this.snapshots.forStep(
          { tenantId: row.tenantId, projectId: row.projectId, directory: row.directory },
          turn.config.snapshot !== false,
        ),
      },
    });
    const ran = await processor.run();
    let outcome = ran;
    trees.add(processor.parts);
    if (handedOver(signal)) return 'stop' as const;
    if (turn.format && outcome !== 'compact' && !assistant.error) {
      const earlier = history.filter((m) => m.info.id > lastUser.info.id);
      if (settleStructured(turn.format, assistant, earlier, processor.toolParts())) {
        await this.saveMessage(row, assistant);
        outcome = 'stop';
      }
    }
    if (outcome === 'compact') outcome = await this.overflowed(auth, row, assistant, processor.overflow);
    if (assistant.error)
      this.sessions.publish(row, EventType.SessionError, { sessionID: row.id, error: assistant.error });
    if (more.released || (ran === 'continue' && last() && !this.runs.joinedHere(row.id)))
      return { answer: answerOf(assistant, [...disclosed, ...processor.parts]) };
    return outcome;
  }

  /**
   * The provider refused the request as too large: a compaction hook asks for a summary and the loop goes on
   * (OpenCode's `compact` outcome), so a synchronous prompt answers after it; otherwise the turn ends with the error.
   */
  private async overflowed(
    auth: AuthContext,
    row: SessionRow,
    assistant: AssistantMessageInfo,
    error: AssistantMessageInfo['error'],
  ): Promise<'continue' | 'stop'> {
    for (const handler of this.overflowHandlers) if (await handler.onOverflow(auth, row, assistant)) return 'continue';
    assistant.error = error;
    assistant.finish = 'error';
    await this.saveMessage(row, assistant);
    return 'stop';
  }

  saveMessage(row: SessionRow, info: AssistantMessageInfo | UserMessageInfo): Promise<void> {
    return this.writer.message(row, info);
  }

  /** Step 1: title generation for root sessions with the default title runs on a worker. */
  private async afterFirstStep(row: SessionRow, messageId: string): Promise<void> {
    if (row.parentId || !isDefaultTitle(row.title)) return;
    await this.queues
      .enqueue('session.title', { tenantId: row.tenantId, sessionId: row.id, messageId }, { jobId: `title-${row.id}` })
      .catch((err) => this.logger.warn({ err, sessionId: row.id }, 'could not enqueue title job'));
  }
}
