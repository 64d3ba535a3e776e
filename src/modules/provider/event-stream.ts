import type { EventSink, EventStream, StreamEvent } from './provider.types';

/** What a pulling reader that stops early (`break` in `for await`) throws into the producer's sink. */
class ReadStopped extends Error {
  constructor() {
    super('The reader stopped');
  }
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/**
 * An EventStream over `run`, which pushes each read's events into the sink it is given and settles when the stream
 * ended. The sink's own failure is what the stream rejects with, whatever `run` makes of it: an adapter maps the
 * errors of its reads, not the consumer's (an abort of the step, a stopped reader).
 */
export function eventStream(run: (sink: EventSink) => Promise<void>): EventStream {
  const pipe = (sink: EventSink): Promise<void> => {
    let failure: { error: unknown } | undefined;
    const fail = (error: unknown): never => {
      failure ??= { error };
      throw error;
    };
    const guarded: EventSink = (events) => {
      let pending: void | Promise<void> = undefined;
      try {
        pending = sink(events);
      } catch (error) {
        fail(error);
      }
      if (pending) return pending.then(undefined, fail);
    };
    let running: Promise<void>;
    try {
      running = run(guarded);
    } catch (error) {
      running = Promise.reject(error);
    }
    return running.then(
      () => {
        if (failure) throw failure.error;
      },
      (error) => {
        throw failure ? failure.error : error;
      },
    );
  };
  return { pipe, [Symbol.asyncIterator]: () => new PulledEvents(pipe) };
}

/** Pushes the events of an iterable (an SDK's event stream) one by one. */
export async function pushEach(events: AsyncIterable<StreamEvent>, sink: EventSink): Promise<void> {
  for await (const ev of events) {
    const pending = sink([ev]);
    if (pending) await pending;
  }
}

/**
 * `for await` over a piped stream (titles, summaries, tests): the producer is held after each read until its events
 * were taken, as a generator is between yields; `return()` stops it. Started by the first read.
 */
class PulledEvents implements AsyncIterator<StreamEvent> {
  private queue: StreamEvent[] = [];
  private at = 0;
  private running?: Promise<void>;
  private ended?: { error?: unknown; failed: boolean };
  private stopped = false;
  /** The consumer waits for the next batch or the end. */
  private wake?: () => void;
  /** The producer waits for its batch to be taken. */
  private held?: { resolve: () => void; reject: (error: unknown) => void };

  constructor(private readonly pipe: (sink: EventSink) => Promise<void>) {}

  async next(): Promise<IteratorResult<StreamEvent>> {
    for (;;) {
      if (this.at < this.queue.length) return { done: false, value: this.queue[this.at++] };
      if (this.ended) {
        const { failed, error } = this.ended;
        this.ended = { failed: false };
        if (failed) throw error;
        return DONE;
      }
      const waited = new Promise<void>((resolve) => (this.wake = resolve));
      if (this.running) this.release()?.resolve();
      else this.running = this.start();
      await waited;
    }
  }

  async return(): Promise<IteratorResult<StreamEvent>> {
    this.queue = [];
    if (!this.running || this.ended) {
      this.ended = { failed: false };
      return DONE;
    }
    this.stopped = true;
    this.release()?.reject(new ReadStopped());
    await this.running;
    this.ended = { failed: false };
    return DONE;
  }

  private start(): Promise<void> {
    const settle = (ended: { error?: unknown; failed: boolean }) => {
      this.ended = ended;
      this.wake?.();
    };
    return this.pipe((events) => {
      if (this.stopped) throw new ReadStopped();
      this.queue = events;
      this.at = 0;
      const wake = this.wake;
      this.wake = undefined;
      wake?.();
      return new Promise<void>((resolve, reject) => (this.held = { resolve, reject }));
    }).then(
      () => settle({ failed: false }),
      (error) => settle(error instanceof ReadStopped ? { failed: false } : { error, failed: true }),
    );
  }

  private release() {
    const held = this.held;
    this.held = undefined;
    return held;
  }
}
