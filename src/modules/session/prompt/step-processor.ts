import { setTimeout as sleep } from 'node:timers/promises';
import { DomainError } from '../../../core/errors/domain-error';
import { newId } from '../../../core/ids';
import { ProviderError, type StreamEvent, type Usage } from '../../provider/provider.types';
import { isRetryable, retryDelayMs, retryMessage, toMessageError } from '../../provider/retry';
import type { AssistantMessageInfo, PartInfo } from '../session.types';
import { messageErrorOf } from '../llm/llm-turn';
import type { StepCall } from './subtask-call';
import { stepFinish, type StepFinishPart } from './step-finish';
import { abortFlag, AbortedError, type StepInput, type StepOutcome, type TextLike } from './step-sink';
import { StepTools } from './step-tools';
import { onFlushClock, storeDue, stored } from './text-flush-clock';

export type { StepInput, StepOutcome, StepSink } from './step-sink';

/**
 * One model step: stream → parts (deltas as events, text stored by periodic flushes), tools as their calls arrive
 * (StepTools), usage/cost, OpenCode's retry rules. Writes are batched: the step-start is stored with the step's next
 * write, and the closing parts (open text, step-finish, patch) with the final message in one statement.
 */
export class StepProcessor {
  /** The step's parts as stored (the loop ends on them when the step's answer is final). */
  parts: PartInfo[] = [];
  private readonly open = new Map<string, TextLike>();
  private readonly tools: StepTools;
  private dirty = new Set<TextLike>();
  /** Announced but not stored yet (the step-start): stored with the step's next write. */
  private unsaved: PartInfo[] = [];
  /** Parts stored with the final message: open text at the end, step-finish, patch. */
  private closing: PartInfo[] = [];
  /**
   * Text and reasoning that ended and wait for the step's next write: the model's finish usually follows at once,
   * and then they are stored (and published) with the final message instead of one round trip of their own.
   */
  private ended: TextLike[] = [];
  private stopFlushes?: () => void;
  /** The periodic writes, chained: a discarded attempt and the final statement wait for them (none lands after). */
  private flushing: Promise<void> = Promise.resolve();
  private finishReason = 'unknown';
  /** Tree before this attempt's stream, and the step-finish part that gets the tree after it. */
  private startTree?: string;
  private finishPart?: StepFinishPart;
  private usageWrite?: Promise<void>;
  /** The usage writes of this step's calls (one per attempt), awaited with the final message. */
  private readonly recorded: Promise<void>[] = [];
  private call?: StepCall;
  /** The provider's context-overflow error when the step ended with `compact`; not set on the message. */
  overflow?: AssistantMessageInfo['error'];

  constructor(private readonly input: StepInput) {
    // A tool's writes (they run while the stream goes on) come after the text that ended before them, as streamed.
    this.tools = new StepTools(input, {
      add: async (fields) => {
        await this.saveEnded();
        return this.addPart(fields);
      },
      save: async (part) => {
        await this.saveEnded();
        await this.save(part);
      },
    });
  }

  /** This step's tool parts (the loop reads a StructuredOutput call from them). */
  toolParts(): PartInfo[] {
    return [...this.tools.byCall.values()];
  }

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
      await this.tools.settled();
      this.closeOpen();
      await this.recordChanges();
      await this.usageWrite;
      assistant.finish = this.finishReason;
      if (this.finishReason === 'length' && !this.tools.byCall.size)
        assistant.error = toMessageError({ name: 'MessageOutputLengthError', data: {} });
      return this.tools.stopAfterStep || assistant.error ? 'stop' : 'continue';
    } catch (err) {
      const aborted = signal.aborted;
      await this.tools.interrupt(aborted);
      this.closeOpen();
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
      this.stopFlushes?.();
      await this.flushing;
      assistant.time.completed = Date.now();
      // The answer is stored while the call's usage is recorded (independent writes, one round trip for both).
      await Promise.all([
        sink.saveMessage(assistant, this.closing.splice(0), this.unsaved.splice(0)),
        ...this.recorded.splice(0),
      ]);
    }
  }

  private async stream(): Promise<void> {
    this.stopFlushes ??= onFlushClock(() => void (this.flushing = this.flushing.then(() => this.flush())));
    // A retried attempt keeps the first tree, so files a failed attempt's tools wrote are still in the patch.
    this.startTree ??= await this.input.sink.snapshots?.track();
    this.call = this.input.call();
    const abort = abortFlag(this.input.signal);
    try {
      await this.read(this.call, abort);
    } finally {
      abort.off();
      // A call that records its usage after its stream (settleAfter): the step ends once that is written too.
      if (this.call.recorded) this.recorded.push(this.call.recorded);
    }
  }

  /** Each read's events are handled as they come; most (the deltas) at once, with no promise to wait for. */
  private read(call: StepCall, abort: { aborted: boolean }): Promise<void> {
    let started = false;
    return call.pipe((events) => {
      if (!started && !abort.aborted) {
        started = true;
        // Announced now, stored with the next write of the step: the first delta does not wait for a round trip.
        const { assistant } = this.input;
        const part = {
          id: newId('part'),
          sessionID: assistant.sessionID,
          messageID: assistant.id,
          type: 'step-start',
          ...(this.startTree ? { snapshot: this.startTree } : {}),
        } as PartInfo;
        this.parts.push(part);
        this.unsaved.push(part);
        this.input.sink.announce(part);
      }
      return this.take(events, 0, abort);
    });
  }

  /** Handles `events` from `from` on (aborted: throws); waits where one needs a write (or a tool) before the next. */
  private take(events: StreamEvent[], from: number, abort: { aborted: boolean }): Promise<void> | void {
    for (let i = from; i < events.length; i++) {
      if (abort.aborted) throw new AbortedError();
      const pending = this.handle(events[i]);
      if (pending) return pending.then(() => this.take(events, i + 1, abort));
    }
  }

  private handle(ev: StreamEvent): Promise<void> | void {
    if (this.ended.length && ev.type !== 'finish') return this.saveEnded().then(() => this.apply(ev));
    return this.apply(ev);
  }

  private apply(ev: StreamEvent): Promise<void> | void {
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
        // An answer's first piece: the rest of this read is handled once it reached this process's streams.
        return sink.delta(part, ev.delta);
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
        this.ended.push(part);
        return;
      }
      case 'tool-input-start':
        return this.tools.inputStart(ev);
      case 'tool-input-delta':
        return this.tools.inputDelta(ev);
      case 'tool-call':
        return this.tools.call(ev);
      case 'finish':
        return this.finish(ev.reason, ev.usage);
    }
  }

  private finish(reason: string, usage: Usage): void {
    this.finishReason = reason;
    const { assistant, model, sink } = this.input;
    const { part, step } = stepFinish(assistant, model, reason, usage);
    this.parts.push(part);
    this.finishPart = part;
    if (this.call) this.call.partId = part.id;
    // The call itself records the usage (LlmTurn); this tells the loop the step's size (compaction checks it) while
    // the tools and the snapshot run; run() waits for it before the step ends.
    const t = step.tokens;
    const tokens = { input: t.input, output: t.output, reasoning: t.reasoning, cacheRead: t.cache.read };
    this.usageWrite = sink.usage(step.cost, { ...tokens, cacheWrite: t.cache.write }, part.id);
    this.usageWrite.catch(() => undefined);
  }

  /**
   * After the step's tools have settled (they run concurrently with the stream, so the model's finish event can
   * come before their writes): the tree after the step on step-finish, and a `patch` part naming the files
   * the step changed (OpenCode §5.4). Runs on failed steps too, so files a tool wrote before an abort can be
   * reverted. Both parts are stored with the final message.
   */
  private async recordChanges(): Promise<void> {
    const snapshots = this.input.sink.snapshots;
    const before = this.startTree;
    this.startTree = undefined;
    const after = snapshots && before ? await snapshots.trackSince(before) : undefined;
    if (this.finishPart) {
      if (after) this.finishPart.snapshot = after.tree;
      this.closing.push(this.finishPart);
      this.finishPart = undefined;
    }
    if (after?.patch.files.length) {
      const { assistant } = this.input;
      const patch = {
        id: newId('part'),
        sessionID: assistant.sessionID,
        messageID: assistant.id,
        type: 'patch',
        hash: after.patch.hash,
        files: after.patch.files,
      } as PartInfo;
      this.parts.push(patch);
      this.closing.push(patch);
    }
  }

  private async addPart(fields: Partial<PartInfo>): Promise<PartInfo> {
    const { assistant } = this.input;
    const part = { id: newId('part'), sessionID: assistant.sessionID, messageID: assistant.id, ...fields } as PartInfo;
    this.parts.push(part);
    await this.save(part);
    return part;
  }

  /** Stores and publishes `part`, with the announced parts still waiting for their row. */
  private async save(part: PartInfo): Promise<void> {
    const waiting = this.unsaved.splice(0);
    try {
      await this.input.sink.savePart(part, waiting);
    } catch (err) {
      this.unsaved.unshift(...waiting);
      throw err;
    }
  }

  /** Stores (then publishes) the parts that ended, before anything else of the step is written. */
  private async saveEnded(): Promise<void> {
    for (const part of this.ended.splice(0)) await this.save(part);
  }

  /**
   * Periodic write so a crash or a reload mid-answer keeps what was said. Streaming text is stored, not published
   * (clients have the deltas; OpenCode publishes a streamed part whole once, at its end); ended text is both.
   */
  private async flush(): Promise<void> {
    const ended = this.ended.splice(0);
    const streaming = [...this.dirty].filter(storeDue);
    for (const part of streaming) this.dirty.delete(part);
    if (streaming.length) {
      const waiting = this.unsaved.splice(0);
      try {
        await this.input.sink.storeText([...waiting, ...streaming]);
        stored(streaming);
      } catch {
        this.unsaved.unshift(...waiting);
        for (const part of streaming) this.dirty.add(part);
      }
    }
    for (const part of ended) await this.save(part).catch(() => undefined);
  }

  /** Text that ended or is still open when the step ends is stored with the final message. */
  private closeOpen(): void {
    this.closing.push(...this.ended.splice(0));
    for (const part of this.open.values()) {
      part.time = { start: part.time?.start ?? Date.now(), end: Date.now() };
      this.closing.push(part);
    }
    this.open.clear();
    this.dirty.clear();
  }

  /** A retried attempt starts clean: the failed attempt's parts are removed, never duplicated. */
  private async discardAttempt(): Promise<void> {
    await this.tools.discard();
    this.dirty.clear();
    await this.flushing;
    this.unsaved = [];
    this.ended = [];
    for (const part of this.parts) await this.input.sink.removePart(part);
    this.parts = [];
    this.closing = [];
    this.finishPart = undefined;
    this.open.clear();
    this.dirty.clear();
  }
}
