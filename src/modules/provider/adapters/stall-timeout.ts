import { eventStream } from '../event-stream';
import {
  ProviderError,
  type EventSink,
  type LanguageModel,
  type StreamEvent,
  type StreamRequest,
} from '../provider.types';

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
    stream: (request: StreamRequest) => eventStream((sink) => new StallGuard(model, request, timeouts).run(sink)),
  };
}

/**
 * The guard on the events' way to the consumer, no promise of its own per read: one timer per stream, restarted as
 * each read's events are passed on (the next read starts then); while the consumer holds a read (its sink's promise)
 * the timer does not count.
 */
class StallGuard {
  private readonly controller = new AbortController();
  private first = true;
  private finished = false;
  /** A read is in progress (not while the consumer holds the last one). */
  private reading = true;
  private limit: number | undefined;
  private timer?: NodeJS.Timeout;
  /** Rejects the stream with the stall error. */
  private stall?: (err: ProviderError) => void;
  private readonly forward = () => this.controller.abort(this.request.abortSignal?.reason);

  constructor(
    private readonly model: LanguageModel,
    private readonly request: StreamRequest,
    private readonly timeouts: StallTimeouts,
  ) {}

  run(sink: EventSink): Promise<void> {
    const outer = this.request.abortSignal;
    if (outer?.aborted) this.controller.abort(outer.reason);
    else outer?.addEventListener('abort', this.forward, { once: true });
    this.limit = this.timeouts.firstEventMs ?? this.timeouts.chunkMs;
    if (this.limit) this.timer = setTimeout(() => this.expire(), this.limit);
    // Once we give up on the stream, the adapter's own end (the abort we caused) goes to a promise already settled.
    return new Promise((resolve, reject) => {
      this.stall = reject;
      this.model
        .stream({ ...this.request, abortSignal: this.controller.signal })
        .pipe((events) => this.pass(events, sink))
        .then(
          () => {
            this.finish();
            resolve();
          },
          (err) => {
            this.finish();
            reject(err);
          },
        );
    });
  }

  private pass(events: StreamEvent[], sink: EventSink): void | Promise<void> {
    // Given up on (the stall): whatever was still on its way is not passed on, and the adapter stops reading.
    if (this.finished) throw new Error('stalled');
    if (this.first) {
      this.first = false;
      const next = this.timeouts.chunkMs ?? this.timeouts.firstEventMs;
      if (next !== this.limit) {
        clearTimeout(this.timer);
        this.limit = next;
        this.timer = next ? setTimeout(() => this.expire(), next) : undefined;
      }
    }
    this.reading = false;
    const pending = sink(events);
    if (!pending) return this.resume();
    return pending.then(() => this.resume());
  }

  private resume(): void {
    this.reading = true;
    if (!this.finished) this.timer?.refresh();
  }

  private expire(): void {
    const stall = this.stall;
    if (!stall || this.finished || !this.reading) return;
    this.stall = undefined;
    const limit = this.limit;
    this.finish();
    // The adapter observes the abort and closes its socket; its own error is superseded by ours.
    this.controller.abort(new Error('stalled'));
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
