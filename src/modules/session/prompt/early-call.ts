import type { StreamEvent } from '../../provider/provider.types';
import type { StepCall } from './subtask-call';

/**
 * A model call whose request leaves now, while the step is still getting ready to read it (its message being
 * stored): the first event is asked for at once and handed to the step's first read, so the request's round trip
 * and the step's own writes overlap instead of following each other. `cancel()` ends a call the step will not read.
 */
export class EarlyCall implements StepCall {
  private readonly iterator: AsyncIterator<StreamEvent>;
  private first?: Promise<IteratorResult<StreamEvent>>;
  private read = false;

  constructor(private readonly call: StepCall) {
    this.iterator = call[Symbol.asyncIterator]();
    this.first = this.iterator.next();
    // Thrown to the step when it reads; not an unhandled rejection while it is not reading yet.
    this.first.catch(() => undefined);
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

  [Symbol.asyncIterator](): AsyncIterator<StreamEvent> {
    if (this.read) throw new Error('An early call streams once');
    this.read = true;
    return {
      next: () => this.takeFirst() ?? this.iterator.next(),
      return: async (value?: unknown) =>
        (await this.iterator.return?.(value)) ?? { done: true as const, value: undefined },
    };
  }

  /** Ends the call unread (its stream's own end settles it: a started one is billed, one never sent is released). */
  async cancel(): Promise<void> {
    await this.takeFirst()?.catch(() => undefined);
    await this.iterator.return?.().catch(() => undefined);
  }

  private takeFirst(): Promise<IteratorResult<StreamEvent>> | undefined {
    const first = this.first;
    this.first = undefined;
    return first;
  }
}
