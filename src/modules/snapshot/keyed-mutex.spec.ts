import { setTimeout as sleep } from 'node:timers/promises';
import { KeyedMutex } from './keyed-mutex';

describe('KeyedMutex', () => {
  it('runs work for one key strictly one after another, in call order', async () => {
    const mutex = new KeyedMutex();
    const events: string[] = [];
    const job = (name: string, ms: number) =>
      mutex.run('dir', async () => {
        events.push(`start ${name}`);
        await sleep(ms);
        events.push(`end ${name}`);
        return name;
      });
    expect(await Promise.all([job('a', 30), job('b', 1), job('c', 10)])).toEqual(['a', 'b', 'c']);
    expect(events).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    expect(mutex.size).toBe(0);
  });

  it('lets different keys overlap', async () => {
    const mutex = new KeyedMutex();
    let running = 0;
    let peak = 0;
    const job = (key: string) =>
      mutex.run(key, async () => {
        peak = Math.max(peak, ++running);
        await sleep(20);
        running--;
      });
    await Promise.all([job('x'), job('y'), job('z')]);
    expect(peak).toBe(3);
  });

  it('keeps the queue going after a failure', async () => {
    const mutex = new KeyedMutex();
    const failing = mutex.run('dir', async () => {
      throw new Error('boom');
    });
    const next = mutex.run('dir', async () => 'still runs');
    await expect(failing).rejects.toThrow('boom');
    await expect(next).resolves.toBe('still runs');
  });
});
