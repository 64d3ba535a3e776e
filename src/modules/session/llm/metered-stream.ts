import type { startSpan } from '../../../infra/telemetry/tracing';
import type { EventSink, EventStream, StreamEvent, Usage } from '../../provider/provider.types';
import type { LlmPurpose, LlmReservation } from './llm-meter.port';

/** A metered call's state while its stream is open (LlmCall). */
export interface OpenCall {
  labels: { tenant: string; model: string; purpose: LlmPurpose };
  release: () => void;
  reservation: LlmReservation;
  span: ReturnType<typeof startSpan>;
  startedAt: number;
  events?: EventStream;
  started?: boolean;
  streamed: number;
  usage?: Usage;
}

/** What meteredPipe drives: LlmCall's opening, its pass of each read's events and its close. */
export interface MeteredCall {
  open(): Promise<OpenCall>;
  pass(call: OpenCall, events: StreamEvent[]): Promise<void> | undefined;
  close(call: OpenCall): Promise<void>;
}

/**
 * LlmCall's stream: opened before the request, each read's events passed to `sink` (after the call's turn, when a
 * heavier school yields), closed once when the provider's stream ends, fails or the consumer stops.
 */
export async function meteredPipe(owner: MeteredCall, sink: EventSink): Promise<void> {
  const call = await owner.open();
  try {
    await call.events!.pipe((events) => {
      const turn = owner.pass(call, events);
      return turn ? turn.then(() => sink(events)) : sink(events);
    });
  } finally {
    await owner.close(call);
  }
}
