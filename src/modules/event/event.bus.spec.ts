import pino from 'pino';
import { EventBus } from './event.bus';
import type { EventEnvelope, EventTransport } from './event.types';

/** What the bus hands its transport, and when: `now` is the bus asking for the batch to go out at once. */
class RecordingTransport implements EventTransport {
  readonly shared = false;
  readonly appended: { text: string; now: boolean }[] = [];

  async append(envelope: Omit<EventEnvelope, 'seq'>, now = false): Promise<string> {
    const { type, properties } = envelope.event;
    this.appended.push({ text: type === 'message.part.delta' ? String(properties.delta) : type, now });
    return `0-${this.appended.length}`;
  }
  async since(): Promise<EventEnvelope[]> {
    return [];
  }
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  async purge(): Promise<number> {
    return 0;
  }
}

const delta = (text: string, messageID = 'msg_1') => ({
  tenantId: 't',
  sessionId: 's',
  type: 'message.part.delta',
  properties: { sessionID: 's', messageID, partID: 'p', field: 'text', delta: text },
});

describe('EventBus deltas', () => {
  const buses: EventBus[] = [];
  const busWith = (deltaBatchMs: number) => {
    const transport = new RecordingTransport();
    const bus = new EventBus(transport, pino({ level: 'silent' }), { deltaBatchMs });
    buses.push(bus);
    return { bus, transport };
  };
  afterEach(async () => {
    for (const bus of buses.splice(0)) await bus.onModuleDestroy();
  });

  it("hands an answer's first delta to the transport before publish returns, the rest at the clock's tick", async () => {
    const { bus, transport } = busWith(20);
    bus.publish({ tenantId: 't', sessionId: 's', type: 'message.updated', properties: {} });
    bus.publish(delta('Hel'));
    bus.publish(delta('lo'));
    bus.publish(delta(' there'));
    expect(transport.appended).toEqual([
      { text: 'message.updated', now: false },
      { text: 'Hel', now: true },
    ]);
    await new Promise((r) => setTimeout(r, 60));
    expect(transport.appended.slice(2)).toEqual([{ text: 'lo there', now: false }]);
    // The next answer's first delta does not wait for the clock of the one before it.
    bus.publish(delta('Next', 'msg_2'));
    expect(transport.appended.at(-1)).toEqual({ text: 'Next', now: true });
  });

  it('sends a delta at once again after the session was quiet for a tick', async () => {
    const { bus, transport } = busWith(20);
    bus.publish(delta('a'));
    await new Promise((r) => setTimeout(r, 60));
    bus.publish(delta('b'));
    expect(transport.appended).toEqual([
      { text: 'a', now: true },
      { text: 'b', now: true },
    ]);
  });

  it('with the clock off (0), sends every delta at once, as OpenCode does', () => {
    const { bus, transport } = busWith(0);
    for (const text of ['a', 'b', 'c']) bus.publish(delta(text));
    expect(transport.appended.map((a) => a.text)).toEqual(['a', 'b', 'c']);
  });
});
