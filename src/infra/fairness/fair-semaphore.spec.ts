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

  it('hands freed slots of a full process to the waiting keys, not in arrival order', async () => {
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
    // The flood asked five times before 'quiet' asked once; 'quiet' (holding none) gets the first freed slot.
    expect(order).toEqual(['quiet', 'flood']);
    for (const r of await Promise.all(waits.slice(0, 1).concat(waits.slice(5)))) r();
    await tick();
    expect(order.length).toBe(4);
  });

  it("serves the waiting key holding the fewest slots first: a school's first loop before a flood's ninth", async () => {
    const s = new FairSemaphore(0, 6);
    await Promise.all([s.acquire('flood'), s.acquire('flood'), s.acquire('b')]);
    const held = await Promise.all([s.acquire('x'), s.acquire('x'), s.acquire('x')]);
    const order: string[] = [];
    const waits = [
      s.acquire('flood').then((r) => (order.push('flood'), r)),
      s.acquire('b').then((r) => (order.push('b'), r)),
      s.acquire('c').then((r) => (order.push('c'), r)),
    ];
    // 'flood' asked first, but holds two: 'c' (none) goes first, then 'b' (one), then 'flood'.
    for (const r of held) {
      r();
      await tick();
    }
    expect(order).toEqual(['c', 'b', 'flood']);
    for (const r of await Promise.all(waits)) r();
  });

  it('a busy school is held to its fair share of the shared slots; alone it may use them all', async () => {
    const s = new FairSemaphore(0, 0, { shared: 8, windowMs: 1000, now: () => 0 });
    const flood = await Promise.all(Array.from({ length: 8 }, () => s.acquire('flood')));
    expect(s.limitFor('flood')).toBe(Infinity);
    // Two small schools become busy: each keeps one slot, the flood may hold the other six (max-min fair).
    const a = await s.acquire('a');
    const b = await s.acquire('b');
    expect(s.limitFor('flood')).toBe(6);
    let ninth = false;
    void s.acquire('flood').then((r) => ((ninth = true), r));
    for (const r of flood.slice(0, 2)) r();
    await tick();
    expect(ninth).toBe(false);
    flood[2]();
    await tick();
    expect(ninth).toBe(true);
    expect(s.activeFor('flood')).toBe(6);
    a();
    b();
  });

  it('a school between prompts stays busy for the window, then hands its share back', async () => {
    let clock = 0;
    const s = new FairSemaphore(0, 0, { shared: 4, windowMs: 1000, now: () => clock });
    const small = await s.acquire('small');
    small();
    clock = 999;
    expect(s.limitFor('flood')).toBe(3);
    clock = 1001;
    expect(s.limitFor('flood')).toBe(Infinity);
  });

  it('the fair share never goes under an equal share, nor over the hard cap', async () => {
    const s = new FairSemaphore(5, 0, { shared: 6, windowMs: 1000, now: () => 0 });
    const held = await Promise.all([s.acquire('a'), s.acquire('a'), s.acquire('a'), s.acquire('b'), s.acquire('b')]);
    // Between two schools the equal share is 3: 'b' keeps the 2 it holds, so 'a' may hold the other 4.
    expect(s.limitFor('a')).toBe(4);
    // A third school gets an equal share (2) although the other two hold five of the six slots.
    expect(s.limitFor('c')).toBe(2);
    expect(new FairSemaphore(5, 0).limitFor('a')).toBe(5);
    for (const r of held) r();
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
