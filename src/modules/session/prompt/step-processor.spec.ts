import { eventStream, pushEach } from '../../provider/event-stream';
import type { StreamEvent } from '../../provider/provider.types';
import type { AssistantMessageInfo, PartInfo } from '../session.types';
import { StepProcessor } from './step-processor';
import type { StepInput, StepSink } from './step-sink';

// The step's periodic text write (every 500 ms while a part streams) and its final statement store the same rows:
// the final one must land last, or a reader of the answer misses the step-start and the text stays cut short.

const newAssistant = () =>
  ({
    id: 'msg_b',
    sessionID: 'ses_a',
    role: 'assistant',
    time: { created: Date.now() },
    cost: 0,
    tokens: { input: 0, output: 0, reasoning: 0, cache: { read: 0, write: 0 } },
  }) as unknown as AssistantMessageInfo;

const stop = (input: number, output: number): StreamEvent => ({
  type: 'finish',
  reason: 'stop',
  usage: { input, output, reasoning: 0, cacheRead: 0, cacheWrite: 0 },
});

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** A sink that stores and publishes nothing; `watched` are the calls a test records. */
function sinkWith(watched: Partial<Record<keyof StepSink, unknown>>): StepSink {
  return {
    savePart: async () => undefined,
    removePart: async () => undefined,
    storeText: async () => undefined,
    saveMessage: async () => undefined,
    delta: () => undefined,
    announce: () => undefined,
    status: () => undefined,
    usage: async () => undefined,
    toolContext: () => {
      throw new Error('no tools in this step');
    },
    recentToolCalls: () => [],
    ...watched,
  } as unknown as StepSink;
}

/** A step on `call`, with no tools and no retries. */
function stepOn(call: StepInput['call'], sink: StepSink): StepProcessor {
  return new StepProcessor({
    assistant: newAssistant(),
    model: { cost: undefined } as StepInput['model'],
    call,
    tools: new Map(),
    signal: new AbortController().signal,
    maxRetries: 0,
    sink,
  });
}

it('the final message is stored only after a periodic text write still in flight has landed', async () => {
  const order: string[] = [];
  const flushStarted = deferred();
  const flushMayLand = deferred();
  const sink = sinkWith({
    storeText: async (parts: PartInfo[]) => {
      order.push(`storeText:${parts.map((p) => p.type).join(',')}`);
      flushStarted.resolve();
      await flushMayLand.promise;
      order.push('storeText landed');
    },
    saveMessage: async (_info: AssistantMessageInfo, parts: PartInfo[] = [], alsoStore: PartInfo[] = []) => {
      order.push(`saveMessage:${[...alsoStore, ...parts].map((p) => p.type).join(',')}`);
    },
  });
  async function* call(): AsyncGenerator<StreamEvent> {
    yield { type: 'text-start', id: 't' } as StreamEvent;
    yield { type: 'text-delta', id: 't', delta: 'Hello' } as StreamEvent;
    // The model goes on only once the periodic write has started (the step's flush clock ticks every 500 ms).
    await flushStarted.promise;
    yield { type: 'text-delta', id: 't', delta: ', world' } as StreamEvent;
    yield { type: 'text-end', id: 't' } as StreamEvent;
    yield stop(10, 2);
  }
  const outcome = stepOn(() => eventStream((sink) => pushEach(call(), sink)), sink).run();
  await flushStarted.promise;
  // The stream has ended and the step is closing while the periodic write is still in flight.
  await new Promise((r) => setImmediate(r));
  flushMayLand.resolve();
  expect(await outcome).toBe('continue');

  expect(order).toEqual(['storeText:step-start,text', 'storeText landed', 'saveMessage:text,step-finish']);
});

it("stores the answer while the call's usage is recorded (settleAfter), and ends the step only once both landed", async () => {
  const order: string[] = [];
  const usageMayLand = deferred();
  const sink = sinkWith({ saveMessage: async () => void order.push('saveMessage') });
  // An LlmCall with settleAfter: its stream ends at once, its usage writes go on (`recorded`).
  const recorded = usageMayLand.promise.then(() => void order.push('usage recorded'));
  // One read with the whole answer.
  const call = Object.assign(
    eventStream(async (sink) => {
      try {
        const text: StreamEvent[] = [
          { type: 'text-start', id: 't' },
          { type: 'text-delta', id: 't', delta: 'Hi' },
          { type: 'text-end', id: 't' },
        ];
        await sink([...text, stop(1, 1)]);
      } finally {
        call.recorded = recorded;
      }
    }),
    { recorded: undefined as Promise<void> | undefined },
  );
  let ended = false;
  const outcome = stepOn(() => call, sink)
    .run()
    .then((o) => ((ended = true), o));
  // The answer is stored before the usage lands, and the step waits for it.
  await waitFor(() => order.includes('saveMessage'));
  await new Promise((r) => setImmediate(r));
  expect(ended).toBe(false);
  usageMayLand.resolve();
  expect(await outcome).toBe('continue');
  expect(order).toEqual(['saveMessage', 'usage recorded']);
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) await new Promise((r) => setImmediate(r));
  expect(condition()).toBe(true);
}

it("handles the rest of a read only once the answer's first delta reached this process's streams", async () => {
  const order: string[] = [];
  const firstOut = deferred();
  const sink = sinkWith({
    saveMessage: async () => void order.push('saveMessage'),
    // Only the answer's first piece is waited for (EventBus.publishDelta).
    delta: (_part: PartInfo, text: string) => (
      order.push(`delta:${text}`),
      text === 'Hi' ? firstOut.promise : undefined
    ),
    announce: (part: PartInfo) => void order.push(`announce:${part.type}`),
    status: () => undefined,
    usage: async () => void order.push('usage'),
  });
  // A fast model's whole reply in one read.
  const events: StreamEvent[] = [
    { type: 'text-start', id: 't' },
    { type: 'text-delta', id: 't', delta: 'Hi' },
    { type: 'text-delta', id: 't', delta: ' there' },
    { type: 'text-end', id: 't' },
    stop(1, 2),
  ];
  const outcome = stepOn(() => eventStream(async (s) => void (await s(events))), sink).run();
  await waitFor(() => order.includes('delta:Hi'));
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  expect(order).toEqual(['announce:step-start', 'announce:text', 'delta:Hi']);
  firstOut.resolve();
  expect(await outcome).toBe('continue');
  expect(order).toEqual(['announce:step-start', 'announce:text', 'delta:Hi', 'delta: there', 'usage', 'saveMessage']);
});
