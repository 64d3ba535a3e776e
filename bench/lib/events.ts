import { now } from './time';
import { type BusEvent, type Client } from './client';

export interface TimedEvent extends BusEvent {
  at: number;
}

type Listener = (event: TimedEvent) => void;

/**
 * One `/event` subscription through the SDK. Listeners see every frame with its arrival time;
 * `waitFor` registers before the caller triggers the event, so nothing is missed.
 */
export class EventWatch {
  private readonly listeners = new Set<Listener>();
  private readonly abort = new AbortController();
  private ended?: Error;

  private constructor() {}

  static async open(client: Client, signal: AbortSignal, connectTimeoutMs = 15_000): Promise<EventWatch> {
    const watch = new EventWatch();
    signal.addEventListener('abort', () => watch.close(), { once: true });
    const connected = watch.waitFor(() => true, connectTimeoutMs, 'first /event frame (server.connected)');
    const { stream } = await client.event.subscribe({ signal: watch.abort.signal, sseMaxRetryAttempts: 1 });
    void watch.pump(stream as AsyncIterable<unknown>);
    await connected;
    return watch;
  }

  private async pump(stream: AsyncIterable<unknown>): Promise<void> {
    try {
      for await (const data of stream) {
        const event = { ...(data as BusEvent), at: now() };
        for (const listener of [...this.listeners]) listener(event);
      }
      this.ended = new Error('/event stream ended');
    } catch (err) {
      this.ended = err instanceof Error ? err : new Error(String(err));
    }
  }

  on(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  waitFor(match: (event: TimedEvent) => boolean, timeoutMs: number, what = 'event'): Promise<TimedEvent> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => (off(), reject(new Error(`${what}: not seen on /event within ${timeoutMs} ms${this.ended ? ` (${this.ended.message})` : ''}`))), timeoutMs);
      const off = this.on((event) => {
        if (!match(event)) return;
        clearTimeout(timer);
        off();
        resolve(event);
      });
    });
  }

  close(): void {
    this.abort.abort();
    this.listeners.clear();
  }
}

export const isIdle = (sessionID: string) => (e: BusEvent) =>
  (e.type === 'session.idle' && e.properties?.sessionID === sessionID) ||
  (e.type === 'session.status' && e.properties?.sessionID === sessionID && e.properties?.status?.type === 'idle');

export const isDelta = (sessionID: string) => (e: BusEvent) => e.type === 'message.part.delta' && e.properties?.sessionID === sessionID;

export interface Turn {
  firstDelta: Promise<TimedEvent>;
  /** Idle after this turn's busy status or first delta (the previous turn's late `session.idle` is ignored). */
  done: Promise<TimedEvent>;
  /** Text deltas of this turn, in arrival order. */
  deltas: TimedEvent[];
}

/** Watches one prompt turn of a session; call it before sending the prompt. */
export function watchTurn(watch: EventWatch, sessionID: string, timeoutMs: number): Turn {
  const deltas: TimedEvent[] = [];
  let started = false;
  const off = watch.on((e) => {
    if (isDelta(sessionID)(e)) {
      started = true;
      if (e.properties?.field !== 'reasoning') deltas.push(e);
    }
    if (e.type === 'session.status' && e.properties?.sessionID === sessionID && e.properties?.status?.type === 'busy') started = true;
  });
  const firstDelta = watch.waitFor(isDelta(sessionID), timeoutMs, 'message.part.delta');
  const done = watch.waitFor((e) => started && isIdle(sessionID)(e), timeoutMs, 'session idle').finally(off);
  firstDelta.catch(() => undefined);
  return { firstDelta, done, deltas };
}
