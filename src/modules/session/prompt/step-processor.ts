import { setTimeout as sleep } from 'node:timers/promises';
import { DomainError } from '../../../core/errors/domain-error';
import { newId } from '../../../core/ids';
import { stopsLoop } from '../../permission/permission.errors';
import { computeStepCost } from '../../provider/cost';
import type { ModelInfo } from '../../provider/provider.service';
import { ProviderError, type StreamEvent, type Usage } from '../../provider/provider.types';
import { isRetryable, retryDelayMs, retryMessage, toMessageError } from '../../provider/retry';
import { mayWrite, type StepSnapshots } from '../../snapshot/snapshot.service';
import type { RegisteredTool } from '../../tool/tool.registry';
import type { ToolContext, ToolResult } from '../../tool/tool.types';
import type { AssistantMessageInfo, PartInfo, SessionStatus, ToolState } from '../session.types';
import { messageErrorOf, type LlmCall } from '../llm/llm-turn';

type ToolPart = Extract<PartInfo, { type: 'tool' }>;
type TextLike = Extract<PartInfo, { type: 'text' | 'reasoning' }>;

/** What the processor needs from the session layer (persistence, events, tool context). */
export interface StepSink {
  savePart(part: PartInfo): Promise<void>;
  removePart(part: PartInfo): Promise<void>;
  saveMessage(info: AssistantMessageInfo): Promise<void>;
  delta(part: TextLike, delta: string): void;
  /** Publishes a part's state without storing it (a streaming part that a later savePart stores). */
  announce(part: PartInfo): void;
  status(status: SessionStatus): void;
  usage(
    cost: string,
    tokens: { input: number; output: number; reasoning: number; cacheRead: number; cacheWrite: number },
    partId: string,
  ): Promise<void>;
  toolContext(part: ToolPart, signal: AbortSignal): ToolContext;
  /** The last tool calls of this session (for doom-loop detection). */
  recentToolCalls(): { tool: string; input: string }[];
  /** Workspace snapshots around the step; absent when snapshots are off for the project. */
  snapshots?: StepSnapshots;
}

export interface StepInput {
  assistant: AssistantMessageInfo;
  model: ModelInfo;
  /** A fresh metered call to the model for each attempt (LlmTurn). */
  call: () => LlmCall;
  tools: Map<string, RegisteredTool>;
  signal: AbortSignal;
  maxRetries: number;
  sink: StepSink;
}

/** `compact`: the provider refused the request as too large for the model's context (see `overflow`). */
export type StepOutcome = 'continue' | 'stop' | 'compact';

const FLUSH_MS = 500;
const DOOM_LOOP = 3;

class AbortedError extends Error {
  constructor() {
    super('The operation was aborted.');
    this.name = 'AbortError';
  }
}

function finishOf(reason: string): string {
  return reason === 'tool-calls' ? 'tool-calls' : reason;
}

/**
 * One model step: stream → parts (persisted at boundaries, deltas only as events with periodic flushes),
 * tools run as their calls arrive, usage/cost recorded, OpenCode's retry rules on provider errors.
 */
export class StepProcessor {
  private parts: PartInfo[] = [];
  private readonly open = new Map<string, TextLike>();
  private readonly toolsByCall = new Map<string, ToolPart>();
  private readonly running: Promise<void>[] = [];
  private dirty = new Set<TextLike>();
  private flushTimer?: NodeJS.Timeout;
  /** The periodic writes, chained: a discarded attempt waits for them so none lands after its parts are removed. */
  private flushing: Promise<void> = Promise.resolve();
  private stopAfterStep = false;
  private finishReason = 'unknown';
  /** Tree before this attempt's stream, and the step-finish part that gets the tree after it. */
  private startTree?: string;
  private finishPart?: Extract<PartInfo, { type: 'step-finish' }>;
  private usageWrite?: Promise<void>;
  private call?: LlmCall;
  /** The provider's context-overflow error when the step ended with `compact`; not set on the message. */
  overflow?: AssistantMessageInfo['error'];

  constructor(private readonly input: StepInput) {}

  async run(): Promise<StepOutcome> {
    const { assistant, sink, signal } = this.input;
    let attempt = 0;
    try {
      for (;;) {
        try {
          await this.stream();
          break;
        } catch (err) {
          if (signal.aborted) throw new AbortedError();
          attempt++;
          // A budget refusal is final for this turn; retrying would only be refused again.
          if (err instanceof DomainError) throw err;
          if (!isRetryable(err) || attempt > this.input.maxRetries) throw err;
          await this.discardAttempt();
          const delay = retryDelayMs(attempt, err);
          sink.status({ type: 'retry', attempt, message: retryMessage(err), next: Date.now() + delay });
          await sleep(delay, undefined, { signal });
          sink.status({ type: 'busy' });
        }
      }
      await Promise.all(this.running);
      await this.closeOpen();
      await this.recordChanges();
      await this.usageWrite;
      assistant.finish = finishOf(this.finishReason);
      if (this.finishReason === 'length' && !this.toolsByCall.size)
        assistant.error = toMessageError({ name: 'MessageOutputLengthError', data: {} });
      return this.stopAfterStep || assistant.error ? 'stop' : 'continue';
    } catch (err) {
      const aborted = signal.aborted;
      await this.settleTools(aborted);
      await this.closeOpen();
      await this.recordChanges();
      await this.usageWrite?.catch(() => undefined);
      // OpenCode: an overflow is not the answer's error; the loop compacts and goes on (or sets it if it cannot).
      if (!aborted && err instanceof ProviderError && err.kind === 'context_overflow') {
        this.overflow = toMessageError(err);
        return 'compact';
      }
      assistant.error = aborted
        ? { name: 'MessageAbortedError', data: { message: 'Aborted' } }
        : (messageErrorOf(err) ?? toMessageError(err));
      if (!assistant.finish) assistant.finish = 'error';
      return 'stop';
    } finally {
      clearInterval(this.flushTimer);
      assistant.time.completed = Date.now();
      await sink.saveMessage(assistant);
    }
  }

  private async stream(): Promise<void> {
    const { signal } = this.input;
    this.flushTimer ??= setInterval(() => {
      this.flushing = this.flushing.then(() => this.flush());
    }, FLUSH_MS);
    let started = false;
    // A retried attempt keeps the first tree, so files a failed attempt's tools wrote are still in the patch.
    this.startTree ??= await this.input.sink.snapshots?.track();
    this.call = this.input.call();
    for await (const ev of this.call) {
      if (signal.aborted) throw new AbortedError();
      if (!started) {
        started = true;
        await this.addPart({
          type: 'step-start',
          ...(this.startTree ? { snapshot: this.startTree } : {}),
        } as Partial<PartInfo>);
      }
      await this.handle(ev);
    }
  }

  private async handle(ev: StreamEvent): Promise<void> {
    const { sink } = this.input;
    switch (ev.type) {
      case 'text-start':
      case 'reasoning-start': {
        const type = ev.type === 'text-start' ? 'text' : 'reasoning';
        const { assistant } = this.input;
        const part = {
          id: newId('part'),
          sessionID: assistant.sessionID,
          messageID: assistant.id,
          type,
          text: '',
          time: { start: Date.now() },
        } as TextLike;
        this.parts.push(part);
        this.open.set(`${type}:${ev.id}`, part);
        // An empty part is announced, not stored: its end (or the periodic flush while it streams) stores it.
        this.dirty.add(part);
        sink.announce(part);
        return;
      }
      case 'text-delta':
      case 'reasoning-delta': {
        const part = this.open.get(`${ev.type === 'text-delta' ? 'text' : 'reasoning'}:${ev.id}`);
        if (!part || !ev.delta) return;
        part.text += ev.delta;
        this.dirty.add(part);
        sink.delta(part, ev.delta);
        return;
      }
      case 'text-end':
      case 'reasoning-end': {
        const key = `${ev.type === 'text-end' ? 'text' : 'reasoning'}:${ev.id}`;
        const part = this.open.get(key);
        if (!part) return;
        this.open.delete(key);
        this.dirty.delete(part);
        part.time = { start: part.time?.start ?? Date.now(), end: Date.now() };
        if (ev.providerMetadata) part.metadata = ev.providerMetadata;
        await sink.savePart(part);
        return;
      }
      case 'tool-input-start': {
        const part = (await this.addPart({
          type: 'tool',
          callID: ev.id,
          tool: ev.name,
          state: { status: 'pending', input: {}, raw: '' },
        } as Partial<PartInfo>)) as ToolPart;
        this.toolsByCall.set(ev.id, part);
        return;
      }
      case 'tool-input-delta': {
        const part = this.toolsByCall.get(ev.id);
        if (part?.state.status === 'pending') part.state.raw += ev.delta;
        return;
      }
      case 'tool-call':
        return this.startTool(ev);
      case 'finish':
        return this.finish(ev.reason, ev.usage);
    }
  }

  private async startTool(ev: Extract<StreamEvent, { type: 'tool-call' }>): Promise<void> {
    let part = this.toolsByCall.get(ev.id);
    if (!part) {
      part = (await this.addPart({
        type: 'tool',
        callID: ev.id,
        tool: ev.name,
        state: { status: 'pending', input: {}, raw: ev.input },
      } as Partial<PartInfo>)) as ToolPart;
      this.toolsByCall.set(ev.id, part);
    }
    if (ev.providerMetadata) part.metadata = ev.providerMetadata;
    let input: Record<string, unknown> = {};
    let parseError: string | undefined;
    try {
      const parsed = ev.input.trim() ? JSON.parse(ev.input) : {};
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) input = parsed;
      else parseError = 'Tool arguments must be a JSON object';
    } catch (err) {
      parseError = `Tool arguments are not valid JSON: ${(err as Error).message}`;
    }
    // Tool names in the wrong case are repaired; unknown tools and bad JSON go to the `invalid` tool.
    let tool =
      this.input.tools.get(ev.name) ??
      [...this.input.tools.values()].find((t) => t.id.toLowerCase() === ev.name.toLowerCase());
    if (parseError || !tool) {
      const reason =
        parseError ?? `Unknown tool "${ev.name}". Available tools: ${[...this.input.tools.keys()].join(', ')}`;
      const invalid = this.input.tools.get('invalid');
      input = { tool: ev.name, error: reason };
      tool = invalid;
      if (!tool) {
        part.state = { status: 'error', input, error: reason, time: { start: Date.now(), end: Date.now() } };
        await this.input.sink.savePart(part);
        return;
      }
    }
    const started = Date.now();
    if (mayWrite(tool.id)) this.input.sink.snapshots?.markChanged();
    part.state = { status: 'running', input, time: { start: started } };
    await this.input.sink.savePart(part);
    const serialized = JSON.stringify(input);
    const recent = this.input.sink.recentToolCalls().slice(-(DOOM_LOOP - 1));
    const doomLoop =
      recent.length === DOOM_LOOP - 1 && recent.every((c) => c.tool === ev.name && c.input === serialized);
    this.running.push(this.execute(part, tool, input, started, doomLoop));
  }

  private async execute(
    part: ToolPart,
    tool: RegisteredTool,
    input: Record<string, unknown>,
    started: number,
    doomLoop: boolean,
  ): Promise<void> {
    const { sink, signal } = this.input;
    const ctx = sink.toolContext(part, signal);
    try {
      if (doomLoop)
        await ctx.ask({
          permission: 'doom_loop',
          patterns: [part.tool],
          always: [part.tool],
          metadata: { tool: part.tool, input },
        });
      const result: ToolResult = await tool.execute(input, ctx);
      if (signal.aborted) throw new AbortedError();
      const attachments = result.attachments?.map((a) => ({
        id: newId('part'),
        sessionID: part.sessionID,
        messageID: part.messageID,
        type: 'file' as const,
        mime: a.mime,
        url: a.url,
        ...(a.filename ? { filename: a.filename } : {}),
      }));
      part.state = {
        status: 'completed',
        input,
        output: result.output,
        title: result.title,
        metadata: result.metadata,
        time: { start: started, end: Date.now() },
        ...(attachments?.length ? { attachments } : {}),
      } as ToolState;
    } catch (err) {
      if (stopsLoop(err)) this.stopAfterStep = true;
      const interrupted = signal.aborted;
      const running = part.state.status === 'running' ? part.state : undefined;
      part.state = {
        status: 'error',
        input,
        error: interrupted ? 'Tool execution aborted' : (err as Error).message || String(err),
        ...(interrupted || running?.metadata
          ? { metadata: { ...(running?.metadata ?? {}), ...(interrupted ? { interrupted: true } : {}) } }
          : {}),
        time: { start: started, end: Date.now() },
      };
    }
    await sink.savePart(part);
  }

  private async finish(reason: string, usage: Usage): Promise<void> {
    this.finishReason = reason;
    const { assistant, model, sink } = this.input;
    const step = computeStepCost(usage, model.cost);
    const tokens = {
      total: step.tokens.total,
      input: step.tokens.input,
      output: step.tokens.output,
      reasoning: step.tokens.reasoning,
      cache: step.tokens.cache,
    };
    // Stored once, by recordChanges, when the tree after the step is known (after the step's tools, as OpenCode).
    const part = {
      id: newId('part'),
      sessionID: assistant.sessionID,
      messageID: assistant.id,
      type: 'step-finish',
      reason,
      cost: step.costNumber,
      tokens,
    } as PartInfo;
    this.parts.push(part);
    this.finishPart = part as Extract<PartInfo, { type: 'step-finish' }>;
    if (this.call) this.call.partId = part.id;
    assistant.cost = Number((assistant.cost + step.costNumber).toPrecision(15));
    assistant.tokens = tokens;
    // The call itself records the usage (LlmTurn); this tells the loop the step's size (compaction checks it) while
    // the tools and the snapshot run; run() waits for it before the step ends.
    this.usageWrite = sink.usage(
      step.cost,
      {
        input: step.tokens.input,
        output: step.tokens.output,
        reasoning: step.tokens.reasoning,
        cacheRead: step.tokens.cache.read,
        cacheWrite: step.tokens.cache.write,
      },
      part.id,
    );
    this.usageWrite.catch(() => undefined);
  }

  /**
   * After the step's tools have settled (they run concurrently with the stream, so the model's finish event can
   * come before their writes): the tree after the step on step-finish, and a `patch` part naming the files
   * the step changed (OpenCode §5.4). Runs on failed steps too, so files a tool wrote before an abort can be
   * reverted.
   */
  private async recordChanges(): Promise<void> {
    const snapshots = this.input.sink.snapshots;
    const before = this.startTree;
    this.startTree = undefined;
    const after = snapshots && before ? await snapshots.trackSince(before) : undefined;
    if (this.finishPart) {
      if (after) this.finishPart.snapshot = after.tree;
      await this.input.sink.savePart(this.finishPart);
      this.finishPart = undefined;
    }
    if (after?.patch.files.length)
      await this.addPart({ type: 'patch', hash: after.patch.hash, files: after.patch.files } as Partial<PartInfo>);
  }

  private async addPart(fields: Partial<PartInfo>): Promise<PartInfo> {
    const { assistant } = this.input;
    const part = { id: newId('part'), sessionID: assistant.sessionID, messageID: assistant.id, ...fields } as PartInfo;
    this.parts.push(part);
    await this.input.sink.savePart(part);
    return part;
  }

  /** Periodic write of streaming text so a crash mid-answer keeps what was said. */
  private async flush(): Promise<void> {
    const batch = [...this.dirty];
    this.dirty.clear();
    for (const part of batch) await this.input.sink.savePart(part).catch(() => undefined);
  }

  private async closeOpen(): Promise<void> {
    for (const part of this.open.values()) {
      part.time = { start: part.time?.start ?? Date.now(), end: Date.now() };
      await this.input.sink.savePart(part);
    }
    this.open.clear();
    this.dirty.clear();
  }

  /** Waits briefly for running tools, then marks what is still open as interrupted. */
  private async settleTools(aborted: boolean): Promise<void> {
    await Promise.race([Promise.allSettled(this.running), new Promise((r) => setTimeout(r, 250))]);
    for (const part of this.toolsByCall.values()) {
      if (part.state.status !== 'pending' && part.state.status !== 'running') continue;
      const start = part.state.status === 'running' ? part.state.time.start : Date.now();
      part.state = {
        status: 'error',
        input: part.state.input,
        error: aborted ? 'Tool execution aborted' : 'Tool execution failed',
        metadata: { interrupted: true },
        time: { start, end: Date.now() },
      };
      await this.input.sink.savePart(part);
    }
  }

  /** A retried attempt starts clean: the failed attempt's parts are removed, never duplicated. */
  private async discardAttempt(): Promise<void> {
    await Promise.allSettled(this.running);
    this.running.length = 0;
    this.dirty.clear();
    await this.flushing;
    for (const part of this.parts) await this.input.sink.removePart(part);
    this.parts = [];
    this.finishPart = undefined;
    this.open.clear();
    this.dirty.clear();
    this.toolsByCall.clear();
  }
}
