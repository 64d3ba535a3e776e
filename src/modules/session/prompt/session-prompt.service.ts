import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { AuthContext } from '../../../core/auth/auth-context';
import { BadRequestError, NotFoundError, TooManyRequestsError } from '../../../core/errors/domain-error';
import { isId, newId } from '../../../core/ids';
import { LOGGER } from '../../../core/logging/logger';
import { FairnessService } from '../../../infra/fairness/fairness.service';
import { EventType } from '../../event/event.types';
import { fromLegacyTools } from '../../permission/permission.rules';
import { PermissionService } from '../../permission/permission.service';
import { PluginTurn } from '../../plugin/plugin-turn';
import { AuditService } from '../../audit/audit.service';
import { MessageRepository } from '../message.repository';
import { SessionBusyError } from '../session.errors';
import { SessionRepository, type SessionRow } from '../session.repository';
import { SessionService } from '../session.service';
import type { MessageWithParts, PartInfo, UserMessageInfo } from '../session.types';
import { SessionRunService } from '../run/session-run.service';
import { PROMPT_GUARDS, type PromptGuard, type PromptRunner } from '../session-extension.port';
import { toMessageError } from '../../provider/retry';
import { messageErrorOf } from '../llm/llm-turn';
import { SessionWriter } from '../session-writer';
import { TurnContextService } from '../turn/turn-context.service';
import type { PromptInput, PromptPartInput } from './prompt-input';
import { SessionLoopService } from './session-loop.service';
import { byId } from './loop-trees';
import { PromptPartResolver } from './prompt-parts';
import { checkSchema } from '../structured/json-schema-check';
import { DEFAULT_STRUCTURED_RETRIES, type OutputFormat } from '../structured/structured-output';

/** A prompt's `format`, checked (400 for a schema that is not one) and with OpenCode's default retry count. */
async function outputFormat(format: PromptInput['format']): Promise<OutputFormat | undefined> {
  if (!format || format.type !== 'json_schema') return format ? { type: 'text' } : undefined;
  const schema = format.schema ?? {};
  const check = await checkSchema(schema);
  if (!check.ok) throw new BadRequestError(check.message, {}, 'format_schema_invalid');
  return { type: 'json_schema', schema, retryCount: format.retryCount ?? DEFAULT_STRUCTURED_RETRIES };
}

interface Intake {
  row: SessionRow;
  user: MessageWithParts;
  /** The history with this prompt, when the intake took the run lease (SessionRunService.intakeLease). */
  taken?: MessageWithParts[];
}

const byInfoId = (a: MessageWithParts, b: MessageWithParts) => byId(a.info, b.info);

/** A turn the budgets refused answers the synchronous request with the refusal itself: HTTP 429 with `resetsAt`. */
function throwIfRefused(message: MessageWithParts): void {
  const error = message.info.role === 'assistant' ? message.info.error : undefined;
  if (error?.name !== 'TooManyRequestsError') return;
  const { message: text, code, ...details } = error.data as { message: string; code?: string };
  throw new TooManyRequestsError(text, code ?? 'budget', details);
}

/** Prompt intake (OpenCode's SessionPrompt.prompt): store the user turn, then run or join the loop. */
@Injectable()
export class SessionPromptService implements PromptRunner {
  constructor(
    private readonly sessions: SessionService,
    private readonly sessionRepo: SessionRepository,
    private readonly messages: MessageRepository,
    private readonly runs: SessionRunService,
    private readonly loop: SessionLoopService,
    private readonly turns: TurnContextService,
    private readonly permissions: PermissionService,
    @Inject(PROMPT_GUARDS) private readonly guards: readonly PromptGuard[],
    private readonly audit: AuditService,
    private readonly writer: SessionWriter,
    private readonly partResolver: PromptPartResolver,
    private readonly plugins: PluginTurn,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly fairness: FairnessService,
  ) {}

  /** Synchronous prompt: resolves with the last assistant message once the turn is done. */
  async prompt(
    auth: AuthContext,
    sessionId: string,
    input: PromptInput,
    opts: { admitted?: boolean } = {},
  ): Promise<MessageWithParts> {
    const { row, user, taken } = await this.fairIntake(auth, sessionId, input, opts.admitted ?? false);
    if (input.noReply) return user;
    let answer: MessageWithParts | undefined;
    const started = this.fairness.promptStarted(row.tenantId, row.id);
    await this.runs
      .run(
        row,
        async (signal, history) => {
          answer = await this.loop.loop(auth, row, signal, this, history);
        },
        { withHistory: true, taken },
      )
      .finally(started);
    // The loop read the answer back before it ended; a joined or failed run leaves it to one more read.
    const final =
      answer && answer.info.id > user.info.id ? answer : ((await this.lastAssistant(row, user.info.id)) ?? user);
    throwIfRefused(final);
    return final;
  }

  /** prompt_async: stores the turn, runs the loop in the background; failures surface as session.error. */
  async promptAsync(auth: AuthContext, sessionId: string, input: PromptInput): Promise<void> {
    const { row, taken } = await this.fairIntake(auth, sessionId, input, false);
    if (input.noReply) return;
    const started = this.fairness.promptStarted(row.tenantId, row.id);
    void this.runs
      .run(row, (signal, history) => this.loop.loop(auth, row, signal, this, history), { withHistory: true, taken })
      .finally(started)
      .catch((err) => {
        this.logger.error({ err, sessionId }, 'background prompt failed');
        this.sessions.publish(row, EventType.SessionError, {
          sessionID: row.id,
          // Never the raw text: a provider failure reaching this far still gets the public form.
          error: messageErrorOf(err) ?? toMessageError(err),
        });
      });
  }

  async abort(auth: AuthContext, sessionId: string): Promise<boolean> {
    const row = await this.sessions.load(auth, sessionId);
    if (!this.sessions.canWrite(auth, row) && auth.role !== 'teacher')
      throw new NotFoundError(`Session not found: ${sessionId}`);
    await this.permissions.rejectPending(row.tenantId, row.id);
    for (const child of await this.sessionRepo.descendants(row.tenantId, row.id)) {
      const childRow = await this.sessionRepo.find(row.tenantId, child);
      if (childRow) await this.runs.abort(childRow);
    }
    await this.runs.abort(row);
    if (auth.role === 'teacher' && row.userId !== auth.userId)
      await this.audit.record(auth, 'session.abort.teacher', row.id, { ownerId: row.userId });
    return true;
  }

  /**
   * The budget door of every route that makes LLM calls or runs commands for a user (prompt, command, shell,
   * summarize): the prompt count is claimed and spent budgets refuse with 429 before anything runs.
   */
  async admit(auth: AuthContext, row: SessionRow, input: PromptInput = { parts: [] }): Promise<void> {
    for (const guard of this.guards) await guard.beforePrompt(auth, row, input);
  }

  /** The intake in one of the school's intake slots (fairness between schools: a flood's burst waits its turn). */
  private async fairIntake(
    auth: AuthContext,
    sessionId: string,
    input: PromptInput,
    admitted: boolean,
  ): Promise<Intake> {
    const release = await this.fairness.acquire('intake', auth.tenantId);
    try {
      return await this.intake(auth, sessionId, input, admitted);
    } finally {
      release();
    }
  }

  private async intake(auth: AuthContext, sessionId: string, input: PromptInput, admitted: boolean): Promise<Intake> {
    let row = await this.sessions.loadForWrite(auth, sessionId);
    if (!input.parts?.length) throw new BadRequestError('parts must contain at least one part');
    if (input.messageID && !isId('message', input.messageID))
      throw new BadRequestError('messageID must start with "msg_"');
    const format = await outputFormat(input.format);
    if (!admitted) await this.admit(auth, row, input);
    // OpenCode's deprecated `tools` map becomes session rules. They are appended to the session layer, which only
    // narrows: `false` denies the tool in this session, `true` lifts only an earlier session deny, never a school's,
    // class's, project's or role's (docs/security.md, "Permission layers").
    const toolRules = fromLegacyTools(input.tools);
    if (toolRules.length) {
      await this.sessions.update(auth, row.id, { permission: toolRules });
      row = (await this.sessionRepo.find(row.tenantId, row.id)) ?? row;
    }
    const { agent, model } = await this.turns.choose(auth, row, {
      agent: input.agent,
      model: input.model,
      variant: input.variant,
      subagentOf: input.subagentOf,
    });
    const now = Date.now();
    const info: UserMessageInfo = {
      id: input.messageID ?? newId('message', { at: now }),
      sessionID: row.id,
      role: 'user',
      time: { created: now },
      agent: agent.name,
      model: {
        providerID: model.providerID,
        modelID: model.modelID,
        ...(input.variant ? { variant: input.variant } : {}),
      },
      summary: { diffs: [] },
      ...(input.system ? { system: input.system } : {}),
      ...(input.tools ? { tools: input.tools } : {}),
      ...(format ? { format } : {}),
    };
    const expanded = await this.partResolver.expand(auth, row, agent.name, info.id, input.parts);
    const parts = expanded.map((p) => this.toPart(row, info.id, p));
    // Platform plugins' `chat.message` sees (and may change) the turn before it is stored.
    await this.plugins.chatMessage(
      { tenantId: row.tenantId, userId: auth.userId, projectId: row.projectId, directory: row.directory },
      { sessionID: row.id, agent: agent.name, model, messageID: info.id },
      { message: info, parts },
    );
    const stored = await this.messages.storePrompt(
      row.tenantId,
      info,
      parts,
      {
        agent: agent.name,
        model: {
          id: model.modelID,
          providerID: model.providerID,
          ...(input.variant ? { variant: input.variant } : {}),
        },
      },
      input.noReply ? undefined : await this.runs.intakeLease(row),
    );
    // Stored with the session's agent and model in one transaction: only the events are left to send.
    this.writer.publishMessage(row, info);
    for (const part of parts) this.writer.publishPart(row, part);
    if (stored) this.sessions.emitUpdated(stored.row);
    // The lease came with the history as it was before this prompt: with the prompt, it is what a read would give.
    const asStored = { info, parts: [...new Map(parts.map((p) => [p.id, p])).values()].sort(byId) };
    const taken = stored?.leased && [...stored.leased.filter((m) => m.info.id !== info.id), asStored].sort(byInfoId);
    return { row: stored?.row ?? row, user: { info, parts }, taken };
  }

  private toPart(row: SessionRow, messageID: string, p: PromptPartInput): PartInfo {
    if (p.id && !isId('part', p.id)) throw new BadRequestError('part ids must start with "prt_"');
    const base = { id: p.id ?? newId('part'), sessionID: row.id, messageID };
    switch (p.type) {
      case 'text':
        if (typeof p.text !== 'string') throw new BadRequestError('text parts need `text`');
        return {
          ...base,
          type: 'text',
          text: p.text,
          ...(p.synthetic ? { synthetic: true } : {}),
          ...(p.ignored ? { ignored: true } : {}),
          ...(p.metadata ? { metadata: p.metadata } : {}),
        };
      case 'file':
        if (!p.mime || !p.url) throw new BadRequestError('file parts need `mime` and `url`');
        if (!/^(data:|https?:|file:)/.test(p.url))
          throw new BadRequestError('file part urls must be file:, data: or http(s): URLs');
        return {
          ...base,
          type: 'file',
          mime: p.mime,
          url: p.url,
          ...(p.filename ? { filename: p.filename } : {}),
          ...(p.source ? { source: p.source } : {}),
        };
      case 'agent':
        if (!p.name) throw new BadRequestError('agent parts need `name`');
        return { ...base, type: 'agent', name: p.name, ...(p.source ? { source: p.source as never } : {}) };
      case 'subtask':
        if (!p.prompt || !p.description || !p.agent)
          throw new BadRequestError('subtask parts need `prompt`, `description` and `agent`');
        return {
          ...base,
          type: 'subtask',
          prompt: p.prompt,
          description: p.description,
          agent: p.agent,
          ...(p.model ? { model: p.model } : {}),
          ...(p.command ? { command: p.command } : {}),
        };
    }
  }

  /** The answer to this turn: the last assistant message after the user's (only this turn is read). */
  private async lastAssistant(row: SessionRow, userId: string): Promise<MessageWithParts | undefined> {
    const { items } = await this.messages.list(row.tenantId, row.id, { afterId: userId });
    return [...items].reverse().find((m) => m.info.role === 'assistant');
  }

  assertNotBusy(sessionId: string): void {
    if (this.runs.isRunningHere(sessionId)) throw new SessionBusyError(sessionId);
  }
}
