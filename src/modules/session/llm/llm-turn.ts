import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { DomainError, TooManyRequestsError } from '../../../core/errors/domain-error';
import { LOGGER } from '../../../core/logging/logger';
import { FairnessService } from '../../../infra/fairness/fairness.service';
import { MetricsService, type LlmOutcome } from '../../../infra/metrics/metrics.service';
import { startSpan } from '../../../infra/telemetry/tracing';
import { computeStepCost, worstCaseCost, type StepCost } from '../../provider/cost';
import type { ModelInfo } from '../../provider/provider.service';
import { eventStream } from '../../provider/event-stream';
import type {
  EventSink,
  EventStream,
  LanguageModel,
  StreamEvent,
  StreamRequest,
  Usage,
} from '../../provider/provider.types';
import { SessionRepository, type SessionRow } from '../session.repository';
import { meteredPipe, type MeteredCall, type OpenCall } from './metered-stream';
import {
  LLM_METER,
  type LlmMeter,
  type LlmPurpose,
  type LlmReservation,
  type MeteredUsage,
  type WorstCase,
} from './llm-meter.port';

/** Output tokens asked for when a caller names no limit: the same cap the loop uses. */
const DEFAULT_MAX_OUTPUT = 32_000;
/** Per message and per request framing the provider counts on top of the text (role markers, tool wrappers). */
const MESSAGE_OVERHEAD = 8;
const REQUEST_OVERHEAD = 64;
/**
 * Bytes per token for the reserved input. Byte-level BPE tokenizers average about 4 bytes per token on English and
 * code and about 3 on Korean; 3 keeps the worst case above the real count without reserving 3-4x too much.
 */
const BYTES_PER_TOKEN = 3;

export interface LlmCallInput {
  session: SessionRow;
  purpose: LlmPurpose;
  model: ModelInfo;
  language: LanguageModel;
  request: StreamRequest;
  signal?: AbortSignal;
  /** The message the answer is written to, if any. */
  messageId?: string;
  /** Add the call's tokens and cost to the session's totals (everything but titles, as OpenCode shows them). */
  sessionTotals?: boolean;
  /**
   * The stream ends without waiting for the usage writes; the caller awaits `LlmCall.recorded` itself (a loop step
   * stores its answer meanwhile: one round trip less after the model's last event).
   */
  settleAfter?: boolean;
}

/**
 * A refused reservation (or another domain error) as the message error clients read, OpenCode's shape with the
 * details of the refusal: `{ name: 'TooManyRequestsError', data: { message, code, resetsAt, ... } }`.
 */
export function messageErrorOf(
  err: unknown,
): { name: string; data: { message: string } & Record<string, unknown> } | undefined {
  if (!(err instanceof DomainError)) return undefined;
  return {
    name: err.errorName,
    data: { message: err.message, ...(err.code ? { code: err.code } : {}), ...err.details },
  };
}

/** An upper bound of the input tokens a request can be billed for. */
export function inputTokensBound(
  request: Pick<StreamRequest, 'system' | 'messages' | 'tools'>,
  contextLimit?: number,
): number {
  const bytes = Buffer.byteLength(JSON.stringify([request.system, request.messages, request.tools]));
  const bound =
    Math.ceil(bytes / BYTES_PER_TOKEN) +
    MESSAGE_OVERHEAD * (request.messages.length + request.system.length) +
    REQUEST_OVERHEAD;
  // The provider refuses (and does not bill) a request larger than the model's context.
  return contextLimit && contextLimit > 0 ? Math.min(bound, contextLimit) : bound;
}

/** The most this call can use: its input bound plus every output token it may produce, priced exactly. */
export function worstCaseOf(input: Pick<LlmCallInput, 'model' | 'request'>): WorstCase {
  const inputTokens = inputTokensBound(input.request, input.model.limit.context);
  const maxOutput = input.request.maxOutputTokens ?? DEFAULT_MAX_OUTPUT;
  return { tokens: inputTokens + maxOutput, cost: worstCaseCost(input.model.cost, inputTokens, maxOutput) };
}

/** What every call shares: the meter, the usage store, the school's slots and the metrics. */
export interface LlmCallDeps {
  meter: LlmMeter;
  sessions: SessionRepository;
  logger: Logger;
  fairness: FairnessService;
  metrics: MetricsService;
}

/**
 * One LLM call, metered: iterate it for the provider's events. The first iteration waits for one of the school's
 * LLM slots and reserves the worst case against the budgets (a refusal is thrown there, before anything is sent);
 * when the stream ends, however it ends, the real usage is recorded with its purpose and the reservation settled.
 */
export class LlmCall implements EventStream, MeteredCall {
  /** The provider's usage and its exact cost, once the stream finished. */
  cost?: StepCost;
  /** The part that shows this call's usage; set by the caller before the stream ends. */
  partId?: string;
  /** The usage writes of a `settleAfter` call, once its stream ended; never rejects (failures are logged). */
  recorded?: Promise<void>;
  private used = false;

  constructor(
    private readonly input: LlmCallInput,
    private readonly deps: LlmCallDeps,
  ) {}

  private readonly events = eventStream((sink) => meteredPipe(this, sink));

  pipe(sink: EventSink): Promise<void> {
    return this.events.pipe(sink);
  }

  [Symbol.asyncIterator](): AsyncIterator<StreamEvent> {
    return this.events[Symbol.asyncIterator]();
  }

  /** The first read: a slot of the school, the budgets' reservation, then the request. */
  async open(): Promise<OpenCall> {
    if (this.used) throw new Error('An LlmCall streams once');
    this.used = true;
    const { session, model, request, purpose, signal } = this.input;
    const labels = { tenant: session.tenantId, model: `${model.providerID}/${model.modelID}`, purpose };
    const release = await this.deps.fairness.acquire('llm', session.tenantId, signal);
    let reservation: LlmReservation;
    try {
      reservation = await this.deps.meter.reserve(
        {
          tenantId: session.tenantId,
          userId: session.userId,
          sessionId: session.id,
          messageId: this.input.messageId,
          providerId: model.providerID,
          modelId: model.modelID,
          purpose,
        },
        worstCaseOf(this.input),
      );
    } catch (err) {
      release();
      // The budget's own door counts the refusal itself (oc_budget_refusals_total); this counts the call.
      if (err instanceof TooManyRequestsError) this.deps.metrics.llmCallFinished(labels, 'refused');
      throw err;
    }
    const span = startSpan('llm.call', {
      'gen_ai.request.model': labels.model,
      'opencode.purpose': purpose,
      'opencode.tenant': session.tenantId,
      'opencode.session': session.id,
    });
    const call: OpenCall = { labels, release, reservation, span, startedAt: performance.now(), streamed: 0 };
    try {
      call.events = this.input.language.stream({ ...request, ...(signal ? { abortSignal: signal } : {}) });
    } catch (err) {
      await this.close(call);
      throw err;
    }
    return call;
  }

  /**
   * A read's events on their way to the caller: counted, and between reads a heavier school yields to a lighter
   * one's first output (its socket waits unread).
   */
  pass(call: OpenCall, events: StreamEvent[]): Promise<void> | undefined {
    const session = this.input.session;
    let turn: Promise<void> | undefined;
    if (!call.started) this.deps.fairness.firstOutput(session.id);
    else turn = this.deps.fairness.yieldTo(session.tenantId);
    call.started = true;
    for (const ev of events) {
      if (ev.type === 'finish') call.usage = ev.usage;
      else if ('delta' in ev && typeof ev.delta === 'string') call.streamed += ev.delta.length;
    }
    return turn;
  }

  /** However the stream ended: the slot back, the outcome counted, the real usage recorded. */
  async close(call: OpenCall): Promise<void> {
    call.release();
    const { usage, labels, span } = call;
    const outcome: LlmOutcome = usage ? 'ok' : this.input.signal?.aborted ? 'aborted' : 'error';
    this.deps.metrics.llmCallFinished(labels, outcome, (performance.now() - call.startedAt) / 1000);
    span.setAttribute('opencode.outcome', outcome);
    if (usage)
      span.setAttributes({ 'gen_ai.usage.input_tokens': usage.input, 'gen_ai.usage.output_tokens': usage.output });
    span.end();
    const writes = this.settle(call.reservation, usage, call.started ? call.streamed : undefined);
    if (this.input.settleAfter)
      this.recorded = writes.catch((err) =>
        this.deps.logger.error(
          { err, sessionId: this.input.session.id, purpose: this.input.purpose },
          'could not record LLM usage',
        ),
      );
    else await writes;
  }

  /**
   * A stream that broke or was aborted after it started was billed by the provider, but its usage never came:
   * it is recorded as an estimate (the input bound and four characters per output token). One that never
   * started cost nothing and its reservation is released.
   */
  private async settle(
    reservation: LlmReservation,
    usage: Usage | undefined,
    streamedChars: number | undefined,
  ): Promise<void> {
    const estimated = !usage && streamedChars !== undefined;
    const counts =
      usage ??
      (estimated
        ? {
            input: inputTokensBound(this.input.request),
            output: Math.ceil(streamedChars! / 4),
            reasoning: 0,
            cacheRead: 0,
            cacheWrite: 0,
          }
        : undefined);
    let metered: MeteredUsage | undefined;
    if (counts) {
      this.cost = computeStepCost(counts, this.input.model.cost);
      const t = this.cost.tokens;
      const { tenantId } = this.input.session;
      const model = `${this.input.model.providerID}/${this.input.model.modelID}`;
      this.deps.metrics.llmUsage(
        tenantId,
        model,
        {
          input: t.input,
          output: t.output,
          reasoning: t.reasoning,
          cache_read: t.cache.read,
          cache_write: t.cache.write,
        },
        this.cost.costNumber,
      );
      metered = {
        cost: this.cost.cost,
        input: t.input,
        output: t.output,
        reasoning: t.reasoning,
        cacheRead: t.cache.read,
        cacheWrite: t.cache.write,
        partId: this.partId,
        ...(estimated ? { estimated } : {}),
      };
    }
    const { session } = this.input;
    // Two independent writes, sent together: the step's answer waits for one round trip instead of two.
    const writes = await Promise.allSettled([
      metered && this.input.sessionTotals !== false
        ? this.deps.sessions.addUsage(session.tenantId, session.id, metered)
        : undefined,
      this.deps.meter.settle(reservation, metered),
    ]);
    for (const w of writes)
      if (w.status === 'rejected')
        // Left unsettled, the reservation keeps the worst case counted: budgets err on the safe side.
        this.deps.logger.error(
          { err: w.reason, sessionId: session.id, purpose: this.input.purpose },
          'could not record LLM usage',
        );
  }
}

/** The one path every LLM call of the product takes (loop steps, subagents, compaction, summaries, titles). */
@Injectable()
export class LlmTurnService {
  private readonly deps: LlmCallDeps;

  constructor(
    @Inject(LLM_METER) meter: LlmMeter,
    sessions: SessionRepository,
    @Inject(LOGGER) logger: Logger,
    fairness: FairnessService,
    metrics: MetricsService,
  ) {
    this.deps = { meter, sessions, logger, fairness, metrics };
  }

  call(input: LlmCallInput): LlmCall {
    return new LlmCall(input, this.deps);
  }

  /** The purpose of a loop step in this session: a child session's steps are its parent's subagent. */
  stepPurpose(session: SessionRow): LlmPurpose {
    return session.parentId ? 'subagent' : 'step';
  }
}
