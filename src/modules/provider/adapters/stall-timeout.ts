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
    stream: (request: StreamRequest) => guardedStream(model, request, timeouts),
  };
}

async function* guardedStream(
  model: LanguageModel,
  request: StreamRequest,
  timeouts: StallTimeouts,
): AsyncIterable<StreamEvent> {
  const controller = new AbortController();
  const outer = request.abortSignal;
  const forward = () => controller.abort(outer?.reason);
  if (outer?.aborted) controller.abort(outer.reason);
  else outer?.addEventListener('abort', forward, { once: true });
  const iterator = model.stream({ ...request, abortSignal: controller.signal })[Symbol.asyncIterator]();
  let first = true;
  // One timer per stream, restarted before each read (not one timer and one promise per event: a stream is read
  // thousands of times and this guard sits on every read of every stream).
  // The consumer's time between two reads does not count: the timer only stalls a read in progress.
  let limit = timeouts.firstEventMs ?? timeouts.chunkMs;
  // The read in progress, settled by the adapter or by the timer (not a race with one never-settling promise: each
  // race leaves a reaction on it, a million events of a long stream a million reactions).
  let settle: ((value: 'stalled') => void) | undefined;
  const expire = () => settle?.('stalled');
  let timer = limit ? setTimeout(expire, limit) : undefined;
  try {
    while (true) {
      timer?.refresh();
      const pending = iterator.next();
      // If we give up on it, its later rejection (the abort we caused) goes to a promise already settled: handled.
      const result = timer
        ? await new Promise<IteratorResult<StreamEvent> | 'stalled'>((resolve, reject) => {
            settle = resolve;
            pending.then(resolve, reject);
          })
        : await pending;
      settle = undefined;
      if (result === 'stalled') {
        controller.abort(new Error('stalled'));
        // Let the adapter observe the abort and close its socket; its own error is superseded by ours.
        void iterator.return?.(undefined).catch(() => undefined);
        throw new ProviderError(
          'network',
          `No data from the provider for ${limit} ms (${first ? 'waiting for the response' : 'stream stalled'})`,
          model.providerId,
          { isRetryable: true, ownMessage: true },
        );
      }
      if (result.done) return;
      if (first) {
        first = false;
        const next = timeouts.chunkMs ?? timeouts.firstEventMs;
        if (next !== limit) {
          clearTimeout(timer);
          limit = next;
          timer = limit ? setTimeout(expire, limit) : undefined;
        }
      }
      yield result.value;
    }
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', forward);
  }
}
