import { setTimeout as sleep } from 'node:timers/promises';
import { withStallTimeout } from './adapters/stall-timeout';
import { eventStream } from './event-stream';
import type { EventSink, LanguageModel, StreamEvent } from './provider.types';

const delta = (text: string): StreamEvent => ({ type: 'text-delta', id: 't', delta: text });

/** A producer of three reads that notes how far it got and whether it was stopped. */
function producer(log: string[], fail?: Error) {
  return eventStream(async (sink: EventSink) => {
    try {
      for (const batch of [[delta('a'), delta('b')], [delta('c')], [delta('d')]]) {
        log.push(`read ${batch.map((e) => (e as { delta: string }).delta).join('')}`);
        const pending = sink(batch);
        if (pending) await pending;
      }
      if (fail) throw fail;
    } catch (error) {
      // An adapter maps what fails in its reads; the consumer's own error must come out unchanged all the same.
      throw new Error(`mapped: ${(error as Error).message}`);
    } finally {
      log.push('closed');
    }
  });
}

describe('eventStream', () => {
  it('pipes each read whole, and a promise from the sink holds the next read', async () => {
    const log: string[] = [];
    let release!: () => void;
    const piped = producer(log).pipe((events) => {
      log.push(`got ${events.length}`);
      if (events.length === 2) return new Promise<void>((r) => (release = r));
    });
    await new Promise((r) => setImmediate(r));
    expect(log).toEqual(['read ab', 'got 2']);
    release();
    await piped;
    expect(log).toEqual(['read ab', 'got 2', 'read c', 'got 1', 'read d', 'got 1', 'closed']);
  });

  it("rejects with the sink's own error, not the producer's mapping of it", async () => {
    const log: string[] = [];
    const mine = new Error('the step was aborted');
    await expect(
      producer(log).pipe(() => {
        throw mine;
      }),
    ).rejects.toBe(mine);
    expect(log).toEqual(['read ab', 'closed']);
  });

  it('reads one event at a time with for await; break stops the producer', async () => {
    const log: string[] = [];
    const seen: string[] = [];
    for await (const ev of producer(log)) {
      seen.push((ev as { delta: string }).delta);
      if (seen.length === 3) break;
    }
    expect(seen).toEqual(['a', 'b', 'c']);
    expect(log).toEqual(['read ab', 'read c', 'closed']);
  });

  it("with for await, the producer's error comes after the events before it", async () => {
    const seen: string[] = [];
    const read = (async () => {
      for await (const ev of producer([], new Error('reset'))) seen.push((ev as { delta: string }).delta);
    })();
    await expect(read).rejects.toThrow('mapped: reset');
    expect(seen).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('the stall guard on a piped stream', () => {
  it('does not count the time the consumer holds a read', async () => {
    const model: LanguageModel = {
      providerId: 'stub',
      modelId: 'm',
      stream: () =>
        eventStream(async (sink) => {
          await sink([delta('a')]);
          await sink([delta('b')]);
        }),
    };
    const guarded = withStallTimeout(model, { chunkMs: 50 });
    const seen: StreamEvent[] = [];
    await guarded.stream({ modelId: 'm', system: [], messages: [], tools: [] }).pipe(async (events) => {
      seen.push(...events);
      // Far longer than the chunk timeout: the consumer's own work, not a stalled provider.
      await sleep(200);
    });
    expect(seen).toEqual([delta('a'), delta('b')]);
  });
});
