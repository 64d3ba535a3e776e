import Redis from 'ioredis';
import { createLogger } from '../../../src/core/logging/logger';
import { EventBus } from '../../../src/modules/event/event.bus';
import { compareSeq, MemoryEventTransport, parseSeq } from '../../../src/modules/event/event.transport.memory';
import { RedisEventTransport } from '../../../src/modules/event/event.transport.redis';
import type { EventEnvelope, EventTransport } from '../../../src/modules/event/event.types';
import { leaseRedisDb, testRedisUrl, type RedisLease } from '../../utils/redis-lease';
import { waitUntil } from '../../utils/wait-until';

// The event bus on both transports: ordered delivery, replay after a cursor without gaps or duplicates, a
// bounded window, and (Redis) fan-out between processes, here two buses with their own connections.

const logger = createLogger('silent');

async function busOn(transport: EventTransport, deltaBatchMs = 60_000): Promise<EventBus> {
  const bus = new EventBus(transport, logger, { deltaBatchMs });
  await bus.onModuleInit();
  return bus;
}

function collect(bus: EventBus, tenantId: string): EventEnvelope[] {
  const got: EventEnvelope[] = [];
  bus.subscribe(
    (e) => e.tenantId === tenantId,
    (e) => got.push(e),
  );
  return got;
}

// The shared bounded wait; the failure message quotes the awaited condition.
async function until(cond: () => boolean): Promise<void> {
  await waitUntil(cond.toString(), cond, undefined, { everyMs: 10 });
}

function publishMany(bus: EventBus, tenantId: string, n: number, from = 0): void {
  for (let i = from; i < from + n; i++) bus.publish({ tenantId, type: 'test.tick', properties: { i } });
}

const transports: [
  string,
  () => Promise<{ make: (capacity: number) => EventTransport; cleanup: () => Promise<void> }>,
][] = [
  ['memory', async () => ({ make: (capacity) => new MemoryEventTransport(capacity), cleanup: async () => undefined })],
];
const redisBase = testRedisUrl();
if (redisBase) {
  transports.push([
    'redis',
    async () => {
      const lease: RedisLease = await leaseRedisDb(redisBase);
      const clients: Redis[] = [];
      const client = () => {
        const c = new Redis(lease.url, { maxRetriesPerRequest: null });
        clients.push(c);
        return c;
      };
      return {
        make: (capacity) => new RedisEventTransport(client(), client, capacity, logger),
        cleanup: async () => {
          for (const c of clients) c.disconnect();
          await lease.release();
        },
      };
    },
  ]);
} else {
  it.skip('Redis transport: skipped because REDIS_URL is not set', () => undefined);
}

describe.each(transports)('%s transport', (name, setup) => {
  let env: Awaited<ReturnType<typeof setup>>;
  const buses: EventBus[] = [];
  beforeAll(async () => {
    env = await setup();
  });
  afterAll(async () => {
    for (const b of buses) await b.onModuleDestroy();
    await env.cleanup();
  });
  const bus = async (capacity = 1000, deltaBatchMs?: number) => {
    const b = await busOn(env.make(capacity), deltaBatchMs);
    buses.push(b);
    return b;
  };

  it('delivers events in publish order with increasing cursors', async () => {
    const b = await bus();
    const got = collect(b, `${name}-order`);
    publishMany(b, `${name}-order`, 50);
    await until(() => got.length === 50);
    expect(got.map((e) => e.event.properties.i)).toEqual([...Array(50).keys()]);
    expect(new Set(got.map((e) => e.seq)).size).toBe(50);
    expect(got.every((e) => /^evt_/.test(e.event.id) && e.event.type === 'test.tick')).toBe(true);
  });

  it('replays exactly the events after a cursor, filtered, without gaps or duplicates', async () => {
    const b = await bus();
    const tenant = `${name}-replay`;
    const got = collect(b, tenant);
    publishMany(b, tenant, 30);
    b.publish({ tenantId: `${name}-other`, type: 'test.tick', properties: { i: -1 } });
    await until(() => got.length === 30);
    const cursor = got[9].seq;
    const replay = await b.replay(cursor, (e) => e.tenantId === tenant);
    expect(replay.map((e) => e.event.properties.i)).toEqual([...Array(20).keys()].map((i) => i + 10));
    expect(replay.map((e) => e.seq)).toEqual(got.slice(10).map((e) => e.seq));
    expect(await b.replay('not-a-cursor', () => true)).toEqual([]);
  });

  it('keeps a bounded replay window', async () => {
    const b = await bus(20);
    const tenant = `${name}-window`;
    const got = collect(b, tenant);
    publishMany(b, tenant, 120);
    // With Redis the stream is also the fan-out buffer: a reader that lags a whole burst behind a tiny window
    // can lose trimmed entries, so wait for the newest one rather than for all 120.
    await until(() => got.some((e) => e.event.properties.i === 119));
    const replay = await b.replay(got[0].seq, (e) => e.tenantId === tenant);
    // Redis trims approximately (MAXLEN ~), memory exactly; either way far fewer than 119 remain, and what
    // remains is the newest, contiguous tail.
    expect(replay.length).toBeGreaterThanOrEqual(19);
    expect(replay.length).toBeLessThan(119);
    const is = replay.map((e) => e.event.properties.i as number);
    expect(is[is.length - 1]).toBe(119);
    expect(is).toEqual([...Array(is.length).keys()].map((k) => 120 - is.length + k));
  });

  const delta = (tenantId: string, sessionId: string, partID: string, text: string, messageID = 'msg_1') => ({
    tenantId,
    sessionId,
    type: 'message.part.delta',
    properties: { sessionID: sessionId, messageID, partID, field: 'text', delta: text },
  });
  const shown = (e: EventEnvelope) =>
    e.event.type === 'message.part.delta'
      ? `${e.sessionId}/${String(e.event.properties.partID)}:${String(e.event.properties.delta)}`
      : `${e.sessionId}/${e.event.type}`;

  it("sends a message's first delta at once, then joins a part's deltas per tick of the delta clock, never across another event of the session", async () => {
    const b = await bus();
    const tenant = `${name}-deltas`;
    const got = collect(b, tenant);
    // The answer's first token goes out alone, at once; the next piece waits for the clock (a minute here).
    b.publish(delta(tenant, 's1', 'p1', 'Hel'));
    b.publish(delta(tenant, 's1', 'p1', 'lo'));
    b.publish(delta(tenant, 's2', 'p9', 'other session'));
    // Another part's piece sends the waiting one first; its own joins the next piece of the same part.
    b.publish(delta(tenant, 's1', 'p2', 'next part'));
    b.publish(delta(tenant, 's1', 'p2', ', same'));
    b.publish({ tenantId: tenant, sessionId: 's1', type: 'message.part.updated', properties: {} });
    b.publish(delta(tenant, 's1', 'p2', ' after'));
    await until(() => got.length === 5);
    await new Promise((r) => setTimeout(r, 50));
    expect(got.filter((e) => e.sessionId === 's1').map(shown)).toEqual([
      's1/p1:Hel',
      's1/p1:lo',
      's1/p2:next part, same',
      's1/message.part.updated',
    ]);
    expect(got.filter((e) => e.sessionId === 's2').map(shown)).toEqual(['s2/p9:other session']);
    // s1's ' after' waits for the delta clock, pieces of later turns join it, and the session's next other event
    // sends them first.
    b.publish(delta(tenant, 's1', 'p2', ' later'));
    await new Promise((r) => setImmediate(r));
    b.publish(delta(tenant, 's1', 'p2', ' still'));
    await new Promise((r) => setImmediate(r));
    b.publish(delta(tenant, 's2', 'p9', ' again'));
    b.publish({ tenantId: tenant, sessionId: 's1', type: 'session.status', properties: {} });
    // s2 sent a moment ago too: its piece waits for the clock, not for another session's event (ordered delivery:
    // had it gone out, it would be here before s1's status).
    await until(() => got.length === 7);
    expect(got.slice(5).map(shown)).toEqual(['s1/p2: after later still', 's1/session.status']);
    // The next answer's first delta goes out at once: it never waits for the clock of the message before it.
    b.publish(delta(tenant, 's1', 'p3', 'new answer', 'msg_2'));
    await until(() => got.some((e) => shown(e) === 's1/p3:new answer'));
    expect(got.slice(7).map(shown)).toEqual(['s1/p3:new answer']);
  });

  it("lets the publisher wait for an answer's first delta until this process's subscribers have it, and only then", async () => {
    const b = await bus();
    b.firstDeltaWaitMs = 60_000; // the wait ends on delivery here, however loaded the machine
    const tenant = `${name}-first`;
    // No subscriber of this process takes it: nothing to wait for.
    expect(b.publishDelta(delta(`${tenant}-unseen`, 's0', 'p0', 'unseen'))).toBeUndefined();
    const got = collect(b, tenant);
    // A stream writes what it got at the end of the turn (SseWriter's uncork, on setImmediate); the wait ends after.
    let written = 0;
    b.subscribe(
      (e) => e.tenantId === tenant,
      () => void setImmediate(() => written++),
    );
    const wait = b.publishDelta(delta(tenant, 's1', 'p1', 'Hel'));
    expect(wait).toBeInstanceOf(Promise);
    await wait;
    expect(got.map(shown)).toEqual(['s1/p1:Hel']);
    expect(written).toBe(1);
    // The answer's next pieces wait for the delta clock: nothing to wait for.
    expect(b.publishDelta(delta(tenant, 's1', 'p1', 'lo'))).toBeUndefined();
  });

  it('ends that wait on its own when the event does not come back (a read-back held up or lost)', async () => {
    const lossy = env.make(1000);
    const start = lossy.start.bind(lossy);
    lossy.start = () => start(() => undefined); // appends are stored, never delivered here
    const b = await busOn(lossy);
    buses.push(b);
    const tenant = `${name}-lost`;
    collect(b, tenant);
    const wait = b.publishDelta(delta(tenant, 's1', 'p1', 'Hel'));
    expect(wait).toBeInstanceOf(Promise);
    await expect(wait).resolves.toBeUndefined();
  });

  it('sends the first piece of a session back from a quiet spell at the end of the turn, not on the clock', async () => {
    const b = await bus(1000, 20);
    const tenant = `${name}-quiet`;
    const got = collect(b, tenant);
    b.publish(delta(tenant, 's1', 'p1', 'first'));
    await until(() => got.length === 1);
    await new Promise((r) => setTimeout(r, 60));
    // Quiet for three clocks: the next piece goes out at the end of this turn, with what joins it in the turn.
    b.publish(delta(tenant, 's1', 'p1', 'after '));
    b.publish(delta(tenant, 's1', 'p1', 'a pause'));
    await new Promise((r) => setImmediate(r));
    // Sent a moment ago: this one waits for the clock.
    b.publish(delta(tenant, 's1', 'p1', ', then more'));
    await until(() => got.length === 3);
    expect(got.map(shown)).toEqual(['s1/p1:first', 's1/p1:after a pause', 's1/p1:, then more']);
  });

  it('routes: a subscriber is offered what its route can match, and its filter still decides', async () => {
    const b = await bus();
    const tenant = `${name}-routes`;
    const bySession: EventEnvelope[] = [];
    const byOwner: EventEnvelope[] = [];
    const wide: EventEnvelope[] = [];
    const offSession = b.subscribe(
      (e) => e.tenantId === tenant && e.sessionId === 's1',
      (e) => bySession.push(e),
      { tenantId: tenant, sessionId: 's1' },
    );
    b.subscribe(
      (e) => e.tenantId === tenant && (!e.ownerId || e.ownerId === 'u1'),
      (e) => byOwner.push(e),
      { tenantId: tenant, ownerId: 'u1' },
    );
    // The filter is narrower than the route: the route never lets through what the filter refuses.
    b.subscribe(
      (e) => e.tenantId === tenant && e.event.type !== 'test.hidden',
      (e) => wide.push(e),
      { tenantId: tenant },
    );
    const countBefore = b.subscriberCount;
    const events = [
      { tenantId: tenant, sessionId: 's1', ownerId: 'u1', type: 'test.a', properties: {} },
      { tenantId: tenant, sessionId: 's2', ownerId: 'u2', type: 'test.b', properties: {} },
      { tenantId: tenant, type: 'test.c', properties: {} },
      { tenantId: tenant, type: 'test.hidden', properties: {} },
      { tenantId: `${tenant}-other`, sessionId: 's1', ownerId: 'u1', type: 'test.d', properties: {} },
    ];
    for (const e of events) b.publish(e);
    await until(() => wide.length === 3);
    const types = (l: EventEnvelope[]) => l.map((e) => e.event.type);
    expect(types(wide)).toEqual(['test.a', 'test.b', 'test.c']);
    expect(types(bySession)).toEqual(['test.a']);
    expect(types(byOwner)).toEqual(['test.a', 'test.c', 'test.hidden']);
    offSession();
    expect(b.subscriberCount).toBe(countBefore - 1);
    b.publish({ tenantId: tenant, sessionId: 's1', type: 'test.e', properties: {} });
    await until(() => wide.length === 4);
    expect(types(bySession)).toEqual(['test.a']);
  });

  if (name === 'redis') {
    it('fans out: an event published on one process reaches subscribers of another, in order', async () => {
      const one = await bus();
      const two = await bus();
      const tenant = 'redis-fanout';
      const atOne = collect(one, tenant);
      const atTwo = collect(two, tenant);
      publishMany(one, tenant, 10);
      publishMany(two, tenant, 10, 10);
      await until(() => atOne.length === 20 && atTwo.length === 20);
      // Both processes see the same global order (the stream's), whoever published.
      expect(atOne.map((e) => e.seq)).toEqual(atTwo.map((e) => e.seq));
      expect(atTwo.filter((e) => (e.event.properties.i as number) < 10).map((e) => e.event.properties.i)).toEqual([
        ...Array(10).keys(),
      ]);
      // A replay from another process sees the same window.
      const replay = await two.replay(atOne[4].seq, (e) => e.tenantId === tenant);
      expect(replay.map((e) => e.seq)).toEqual(atOne.slice(5).map((e) => e.seq));
    });

    it('keeps one order on every process while both publish at once: increasing cursors, no gaps, no repeats', async () => {
      const one = await bus();
      const two = await bus();
      const tenant = 'redis-interleave';
      const atOne = collect(one, tenant);
      const atTwo = collect(two, tenant);
      // Rounds of appends from both sides, several in the same turn of the event loop, so each process's pipelines
      // interleave with the other's in the stream.
      for (let round = 0; round < 20; round++) {
        publishMany(one, tenant, 3, round * 6);
        publishMany(two, tenant, 3, round * 6 + 3);
        if (round % 3 === 0) await new Promise((r) => setImmediate(r));
      }
      await until(() => atOne.length === 120 && atTwo.length === 120);
      const seqs = atOne.map((e) => e.seq);
      expect(atTwo.map((e) => e.seq)).toEqual(seqs);
      expect(seqs.every((seq, i) => i === 0 || compareSeq(parseSeq(seq)!, parseSeq(seqs[i - 1])!) > 0)).toBe(true);
      const ids = atOne.map((e) => e.event.properties.i as number);
      expect([...ids].sort((a, b) => a - b)).toEqual([...Array(120).keys()]);
      // The window holds that order too.
      const window = await two.replay('0-0', (e) => e.tenantId === tenant);
      expect(window.map((e) => e.seq)).toEqual(seqs);
    });

    /** A transport on a Redis database of its own; its connections are there for the test's spies. */
    async function withOwnTransport(
      use: (own: { t: RedisEventTransport; writer: Redis; reader: Redis; url: string }) => Promise<void>,
    ): Promise<void> {
      const lease = await leaseRedisDb(redisBase!);
      const writer = new Redis(lease.url, { maxRetriesPerRequest: null });
      const reader = new Redis(lease.url, { maxRetriesPerRequest: null });
      const t = new RedisEventTransport(writer, () => reader, 1000, logger);
      try {
        await use({ t, writer, reader, url: lease.url });
      } finally {
        await t.stop();
        writer.disconnect();
        await lease.release();
      }
    }
    const tick = (tenantId: string, i: number) => ({
      tenantId,
      event: { id: `evt_${i}`, type: 'test.tick', properties: { i } },
    });

    it('sends an append `now` at once, with the appends of the turn before it, and keeps their order', async () => {
      await withOwnTransport(async ({ t, writer }) => {
        // The appends each send carried, counted as it is sent: one XADD alone, or a batch's script.
        const sent: number[] = [];
        const spied = writer as Redis & { ocAppendEvents(stream: string, args: string[]): Promise<unknown> };
        const xadd = writer.xadd.bind(writer) as (...args: unknown[]) => Promise<string | null>;
        const many = spied.ocAppendEvents.bind(writer);
        writer.xadd = ((...args: unknown[]) => (sent.push(1), xadd(...args))) as never;
        // The MAXLEN, then four fields an entry.
        spied.ocAppendEvents = (stream, args) => (sent.push((args.length - 1) / 4), many(stream, args));
        await t.start(() => undefined);
        const first = t.append(tick('now', 1));
        const urgent = t.append(tick('now', 2), { now: true });
        expect(sent).toEqual([2]); // on its way before this turn of the event loop ends
        const later = t.append(tick('now', 3));
        const seqs = await Promise.all([first, urgent, later]);
        expect(sent).toEqual([2, 1]);
        expect(seqs.map((q) => parseSeq(q)!).every((q, i, all) => i === 0 || compareSeq(q, all[i - 1]) > 0)).toBe(true);
      });
    });

    it('sends a batch as one script, in order, and rejects each entry Redis refuses', async () => {
      await withOwnTransport(async ({ t, writer }) => {
        await t.start(() => undefined);
        const seqs = await Promise.all([t.append(tick('script', 1)), t.append(tick('script', 2))]);
        expect(compareSeq(parseSeq(seqs[1])!, parseSeq(seqs[0])!)).toBeGreaterThan(0);
        // The stream's key taken by a value of another type: every XADD of the batch fails.
        await writer.set('oc:events', 'not a stream');
        const refused = await Promise.allSettled([t.append(tick('script', 3)), t.append(tick('script', 4))]);
        expect(refused.map((r) => r.status)).toEqual(['rejected', 'rejected']);
        await writer.del('oc:events');
      });
    });

    it('hands a reader waiting in XREAD all of one send at once, not its first append alone', async () => {
      await withOwnTransport(async ({ t, writer, reader, url }) => {
        // The entries each XREAD answer carried.
        const reads: number[] = [];
        const xread = reader.xread.bind(reader) as (...args: unknown[]) => Promise<[string, unknown[]][] | null>;
        reader.xread = (async (...args: unknown[]) => {
          const res = await xread(...args);
          if (res) reads.push(res[0][1].length);
          return res;
        }) as never;
        const got: EventEnvelope[] = [];
        await t.start((e) => got.push(e));
        // Once the reader waits in its XREAD (BLOCK), as it does between bursts.
        const db = new URL(url).pathname.slice(1) || '0';
        const waiting = async () =>
          String(await writer.client('LIST'))
            .split('\n')
            .some((c) => c.includes(` db=${db} `) && c.includes(' flags=b ') && c.includes(' cmd=xread'));
        for (let i = 0; i < 300 && !(await waiting()); i++) await new Promise((r) => setTimeout(r, 10));
        expect(await waiting()).toBe(true);
        await Promise.all([
          t.append(tick('batch', 1)),
          t.append(tick('batch', 2)),
          t.append(tick('batch', 3), { now: true }),
        ]);
        await until(() => got.length === 3);
        expect(got.map((e) => e.event.properties.i)).toEqual([1, 2, 3]);
        expect(reads).toEqual([3]);
      });
    });
  } else {
    it('does not share events between separate processes (each memory transport is its own)', async () => {
      const one = await bus();
      const two = await bus();
      const atTwo = collect(two, 'memory-alone');
      publishMany(one, 'memory-alone', 3);
      // An observation window for a negative fact (nothing arrives), not synchronisation: load can only hide a bug.
      await new Promise((r) => setTimeout(r, 100));
      expect(atTwo).toEqual([]);
    });
  }
});

describe('the delta clock under load', () => {
  const buses: EventBus[] = [];
  afterAll(async () => {
    for (const b of buses) await b.onModuleDestroy();
  });
  const bus = async (deltaBatchMs: number, deltaMaxMs?: number) => {
    const b = new EventBus(new MemoryEventTransport(100_000), logger, { deltaBatchMs, deltaMaxMs });
    await b.onModuleInit();
    buses.push(b);
    return b;
  };
  const busy = (ms: number) => {
    const until = performance.now() + ms;
    while (performance.now() < until);
  };
  /** Three sessions streaming a piece every 5 ms, the event loop held `holdMs` each time, until `done()`. */
  async function stream(bus: EventBus, tenantId: string, holdMs: number, done: () => boolean): Promise<number> {
    const got = collect(bus, tenantId);
    const deadline = performance.now() + 30_000;
    while (!done() && performance.now() < deadline) {
      for (const s of ['s1', 's2', 's3'])
        bus.publish({
          tenantId,
          sessionId: s,
          type: 'message.part.delta',
          properties: { sessionID: s, messageID: 'msg_1', partID: 'p1', field: 'text', delta: 'x' },
        });
      busy(holdMs);
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(done()).toBe(true);
    return got.length;
  }

  it('stretches while its ticks run late (the process behind), up to its longest, and shrinks back once on time', async () => {
    const b = await bus(40, 120);
    expect(b.deltaClockMs).toBe(40);
    // A loop held 200 ms at a time: every tick runs late by more than half its period (60 ms at the longest); the
    // period grows a step (10 ms) per tick, up to 120 ms.
    const seen = new Set<number>();
    await stream(b, 'behind', 200, () => (seen.add(b.deltaClockMs), b.deltaClockMs === 120));
    expect([...seen].every((ms) => ms >= 40 && ms <= 120 && ms % 10 === 0)).toBe(true);
    // A free loop: the ticks come on time and the period goes back to 40 ms, a step per tick.
    await stream(b, 'on-time', 0, () => b.deltaClockMs === 40);
  });

  it('never stretches past its base when no longest is set, and stays off when the clock is off', async () => {
    const fixed = await bus(40);
    let ticks = 0;
    await stream(fixed, 'fixed', 100, () => ++ticks > 10);
    expect(fixed.deltaClockMs).toBe(40);
    const off = await bus(0, 120);
    ticks = 0;
    await stream(off, 'off', 10, () => ++ticks > 10);
    expect(off.deltaClockMs).toBe(0);
  });
});
