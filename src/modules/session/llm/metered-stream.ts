import type { startSpan } from '../../../infra/telemetry/tracing';
import type { StreamEvent, Usage } from '../../provider/provider.types';
import type { LlmPurpose, LlmReservation } from './llm-meter.port';

/** A metered call's state while its stream is open (LlmCall). */
export interface OpenCall {
  labels: { tenant: string; model: string; purpose: LlmPurpose };
  release: () => void;
  reservation: LlmReservation;
  span: ReturnType<typeof startSpan>;
  startedAt: number;
  events?: AsyncIterator<StreamEvent>;
  started?: boolean;
  streamed: number;
  usage?: Usage;
}

/** What MeteredStream drives: LlmCall's opening, its pass of each event and its close. */
export interface MeteredCall {
  open(): Promise<OpenCall>;
  pass(call: OpenCall, ev: StreamEvent): Promise<void> | undefined;
  close(call: OpenCall): Promise<void>;
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/** LlmCall's reads: open on the first, close once when the provider's stream ends, fails or the caller returns. */
export class MeteredStream implements AsyncIterator<StreamEvent> {
  private call?: OpenCall;
  private state: 'new' | 'opening' | 'open' | 'closed' = 'new';

  constructor(private readonly owner: MeteredCall) {}

  next(): Promise<IteratorResult<StreamEvent>> {
    if (this.state === 'open') return this.read(this.call!);
    if (this.state !== 'new') return Promise.resolve(DONE);
    this.state = 'opening';
    return this.owner.open().then(
      (call) => {
        this.call = call;
        this.state = 'open';
        return this.read(call);
      },
      (err) => {
        this.state = 'closed';
        throw err;
      },
    );
  }

  async return(): Promise<IteratorResult<StreamEvent>> {
    const call = this.call;
    const open = this.state === 'open';
    this.state = 'closed';
    if (open && call) {
      try {
        await call.events?.return?.();
      } finally {
        await this.owner.close(call);
      }
    }
    return DONE;
  }

  private read(call: OpenCall): Promise<IteratorResult<StreamEvent>> {
    return call.events!.next().then(
      (r) => {
        if (r.done) return this.end(call).then(() => DONE);
        const turn = this.owner.pass(call, r.value);
        return turn ? turn.then(() => r) : r;
      },
      (err) => this.end(call).then(() => Promise.reject(err)),
    );
  }

  private end(call: OpenCall): Promise<void> {
    if (this.state === 'closed') return Promise.resolve();
    this.state = 'closed';
    return this.owner.close(call);
  }
}
