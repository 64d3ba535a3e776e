import { FairSemaphore, SlotWaitAborted } from './fair-semaphore';

// The scheduling policy on its own: caps per school and in total, and the order freed slots are handed out in.

const tick = () => new Promise((r) => setImmediate(r));

describe('FairSemaphore', () => {
  it('caps each key, and lets another key run while one waits at its cap', async () => {
    const s = new FairSemaphore(2, 0);
    const a1 = await s.acquire('a');
    await s.acquire('a');
    let a3 = false;
    void s.acquire('a').then(() => (a3 = true));
    await s.acquire('b'); // resolves although 'a' has a waiter
    await tick();
    expect(a3).toBe(false);
    expect(s.activeFor('a')).toBe(2);
    a1();
    await tick();
    expect(a3).toBe(true);
  });

  it('hands freed slots of a full process to waiting keys in turn, not in arrival order', async () => {
    const s = new FairSemaphore(0, 2);
    const held = [await s.acquire('flood'), await s.acquire('flood')];
    const order: string[] = [];
    const waits = [
      ...Array.from({ length: 5 }, () => s.acquire('flood').then((r) => (order.push('flood'), r))),
      s.acquire('quiet').then((r) => (order.push('quiet'), r)),
    ];
    held[0]();
    await tick();
    held[1]();
    await tick();
    // The flood asked five times before 'quiet' asked once; 'quiet' still gets the second freed slot.
    expect(order).toEqual(['flood', 'quiet']);
    for (const r of await Promise.all(waits.slice(0, 1).concat(waits.slice(5)))) r();
    await tick();
    expect(order.length).toBe(4);
  });

  it('a release is idempotent: a double release does not free a slot it never held', async () => {
    const s = new FairSemaphore(1, 0);
    const r = await s.acquire('a');
    r();
    r();
    const again = await s.acquire('a');
    let next = false;
    void s.acquire('a').then(() => (next = true));
    await tick();
    expect(next).toBe(false);
    again();
  });

  it('an aborted wait leaves the queue and rejects; an aborted signal never takes a slot', async () => {
    const s = new FairSemaphore(1, 0);
    const r = await s.acquire('a');
    const ctl = new AbortController();
    const waiting = s.acquire('a', ctl.signal);
    expect(s.waitingFor('a')).toBe(1);
    ctl.abort();
    await expect(waiting).rejects.toBeInstanceOf(SlotWaitAborted);
    expect(s.waitingFor('a')).toBe(0);
    await expect(s.acquire('a', ctl.signal)).rejects.toBeInstanceOf(SlotWaitAborted);
    r();
    expect(s.inUse).toBe(0);
  });

  it('0 means uncapped', async () => {
    const s = new FairSemaphore(0, 0);
    await Promise.all(Array.from({ length: 1000 }, () => s.acquire('a')));
    expect(s.inUse).toBe(1000);
  });
});
