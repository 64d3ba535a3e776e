import { eventStream } from '../../provider/event-stream';
import type { EventSink, StreamEvent } from '../../provider/provider.types';
import type { StepCall } from './subtask-call';

/** What the stream of a call the step will not read is stopped with. */
class EarlyCallCancelled extends Error {
  constructor() {
    super('The step did not read its call');
  }
}

/**
 * A model call whose request leaves now, while the step is still getting ready to read it (its message being
 * stored): the first read's events are held (and the reads after them wait) until the step pipes, so the request's
 * round trip and the step's own writes overlap instead of following each other. `cancel()` ends a call the step will
 * not read.
 */
export class EarlyCall implements StepCall {
  private readonly streaming: Promise<void>;
  private sink?: EventSink;
  private held?: { events: StreamEvent[]; resolve: () => void; reject: (error: unknown) => void };
  private cancelled = false;
  private readonly pulled = eventStream((sink) => this.pipe(sink));

  constructor(private readonly call: StepCall) {
    this.streaming = call.pipe((events) => this.deliver(events));
    // Thrown to the step when it pipes; not an unhandled rejection while it is not reading yet.
    this.streaming.catch(() => undefined);
  }

  /** The usage part is named on the call itself (LlmCall records it when the stream ends). */
  get partId(): string | undefined {
    return this.call.partId;
  }

  set partId(id: string | undefined) {
    this.call.partId = id;
  }

  get recorded(): Promise<void> | undefined {
    return this.call.recorded;
  }

  pipe(sink: EventSink): Promise<void> {
    if (this.sink || this.cancelled) return Promise.reject(new Error('An early call streams once'));
    this.sink = sink;
    const held = this.held;
    this.held = undefined;
    if (held) {
      try {
        const pending = sink(held.events);
        if (pending) pending.then(held.resolve, held.reject);
        else held.resolve();
      } catch (error) {
        held.reject(error);
      }
    }
    return this.streaming;
  }

  [Symbol.asyncIterator](): AsyncIterator<StreamEvent> {
    return this.pulled[Symbol.asyncIterator]();
  }

  /** Ends the call unread (its stream's own end settles it: a started one is billed, one never sent is released). */
  async cancel(): Promise<void> {
    if (this.sink) return;
    this.cancelled = true;
    this.held?.reject(new EarlyCallCancelled());
    this.held = undefined;
    await this.streaming.catch(() => undefined);
  }

  private deliver(events: StreamEvent[]): void | Promise<void> {
    if (this.sink) return this.sink(events);
    if (this.cancelled) throw new EarlyCallCancelled();
    return new Promise((resolve, reject) => (this.held = { events, resolve, reject }));
  }
}
