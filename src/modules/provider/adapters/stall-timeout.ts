import { ProviderError, type LanguageModel, type StreamEvent, type StreamRequest } from '../provider.types';

export interface StallTimeouts {
  /** Max wait for the first event (covers response headers); OpenCode's `headerTimeout`. */
  firstEventMs?: number;
  /** Max gap between two events once streaming; OpenCode's `chunkTimeout`. */
  chunkMs?: number;
}

/**
 * Wraps a model so a stream that stops producing events is aborted and reported as a retryable network
 * error, instead of hanging the session forever (SDK timeouts do not cover a stalled body).
 */
export function withStallTimeout(model: LanguageModel, timeouts: StallTimeouts): LanguageModel {
  if (!timeouts.firstEventMs && !timeouts.chunkMs) return model;
  return {
    providerId: model.providerId,
    modelId: model.modelId,
    stream: (request: StreamRequest) => ({ [Symbol.asyncIterator]: () => new GuardedStream(model, request, timeouts) }),
  };
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/**
 * The guard as a plain iterator, not an async generator: it sits on every event of every stream, and a generator
 * costs a few promises per event on top of the read (the read, the race and its reaction are all it needs).
 * One timer per stream, restarted before each read; the consumer's time between two reads does not count.
 */
class GuardedStream implements AsyncIterator<StreamEvent> {
  private readonly controller = new AbortController();
  private iterator?: AsyncIterator<StreamEvent>;
  private first = true;
  private finished = false;
  private limit: number | undefined;
  private timer?: NodeJS.Timeout;
  /** Rejects the read in progress with the stall error (set only while a read is in progress). */
  private stall?: (err: ProviderError) => void;
  private readonly forward = () => this.controller.abort(this.request.abortSignal?.reason);

  constructor(
    private readonly model: LanguageModel,
    private readonly request: StreamRequest,
    private readonly timeouts: StallTimeouts,
  ) {}

  /** Started by the first read, as the generator it replaces: a stream never read opens nothing. */
  private start(): AsyncIterator<StreamEvent> {
    const outer = this.request.abortSignal;
    if (outer?.aborted) this.controller.abort(outer.reason);
    else outer?.addEventListener('abort', this.forward, { once: true });
    this.limit = this.timeouts.firstEventMs ?? this.timeouts.chunkMs;
    if (this.limit) this.timer = setTimeout(() => this.expire(), this.limit);
    return this.model.stream({ ...this.request, abortSignal: this.controller.signal })[Symbol.asyncIterator]();
  }

  next(): Promise<IteratorResult<StreamEvent>> {
    if (this.finished) return Promise.resolve(DONE);
    const iterator = (this.iterator ??= this.start());
    const pending = iterator.next();
    if (!this.timer)
      return pending.then(
        (r) => this.passed(r),
        (err) => Promise.reject(this.failed(err)),
      );
    this.timer.refresh();
    // If we give up on the read, its later rejection (the abort we caused) goes to a promise already settled.
    return new Promise((resolve, reject) => {
      this.stall = reject;
      pending.then(
        (r) => {
          this.stall = undefined;
          resolve(this.passed(r));
        },
        (err) => {
          this.stall = undefined;
          reject(this.failed(err));
        },
      );
    });
  }

  return(): Promise<IteratorResult<StreamEvent>> {
    if (this.finished || !this.iterator) {
      this.finish();
      return Promise.resolve(DONE);
    }
    this.finish();
    return (this.iterator.return?.() ?? Promise.resolve(DONE)).then(() => DONE);
  }

  private passed(r: IteratorResult<StreamEvent>): IteratorResult<StreamEvent> {
    if (r.done) {
      this.finish();
      return DONE;
    }
    if (this.first) {
      this.first = false;
      const next = this.timeouts.chunkMs ?? this.timeouts.firstEventMs;
      if (next !== this.limit) {
        clearTimeout(this.timer);
        this.limit = next;
        this.timer = next ? setTimeout(() => this.expire(), next) : undefined;
      }
    }
    return r;
  }

  /** The read failed: the stream is over; returns the error to pass on. */
  private failed(err: unknown): unknown {
    this.finish();
    return err;
  }

  private expire(): void {
    const stall = this.stall;
    if (!stall || this.finished) return;
    this.stall = undefined;
    const limit = this.limit;
    this.finish();
    this.controller.abort(new Error('stalled'));
    // Let the adapter observe the abort and close its socket; its own error is superseded by ours.
    void this.iterator?.return?.(undefined).catch(() => undefined);
    stall(
      new ProviderError(
        'network',
        `No data from the provider for ${limit} ms (${this.first ? 'waiting for the response' : 'stream stalled'})`,
        this.model.providerId,
        { isRetryable: true, ownMessage: true },
      ),
    );
  }

  private finish(): void {
    this.finished = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.request.abortSignal?.removeEventListener('abort', this.forward);
  }
}
