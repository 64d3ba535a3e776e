import { FirstOutputPriority } from './first-output-priority';

// A lighter school's first output ahead of a heavier school's streams, on its own (loops per school given).

const loops: Record<string, number> = { flood: 30, small: 1, peer: 1 };
const loopsOf = (t: string) => loops[t] ?? 0;

describe('FirstOutputPriority', () => {
  it("holds a heavier school until the lighter school's first output is out", async () => {
    const p = new FirstOutputPriority(60_000, loopsOf);
    p.start('small', 'ses_small');
    const gate = p.yieldTo('flood');
    expect(gate).toBeInstanceOf(Promise);
    let through = false;
    void gate!.then(() => (through = true));
    await Promise.resolve();
    expect(through).toBe(false);
    p.served('ses_small');
    await gate;
    expect(p.yieldTo('flood')).toBeUndefined();
  });

  it("never holds the prompt's own school, nor a school as light as it", () => {
    const p = new FirstOutputPriority(60_000, loopsOf);
    p.start('small', 'ses_small');
    expect(p.yieldTo('small')).toBeUndefined();
    // 'peer' runs one loop, and a starting school counts as one at least: equals do not hold each other.
    expect(p.yieldTo('peer')).toBeUndefined();
  });

  it('the end of a prompt that never streamed releases the held school too, and is idempotent', async () => {
    const p = new FirstOutputPriority(60_000, loopsOf);
    const end = p.start('small', 'ses_small');
    const gate = p.yieldTo('flood');
    end();
    end();
    await gate;
    expect(p.yieldTo('flood')).toBeUndefined();
  });

  it('a priority lasts its window at most', async () => {
    let clock = 0;
    const p = new FirstOutputPriority(1, loopsOf, () => clock);
    p.start('small', 'ses_small');
    const gate = p.yieldTo('flood');
    expect(gate).toBeInstanceOf(Promise);
    await gate; // the window's timer lets the flood go on although nothing was served
    clock = 2;
    expect(p.yieldTo('flood')).toBeUndefined();
  });

  it('a window of 0 turns the priority off', () => {
    const p = new FirstOutputPriority(0, loopsOf);
    p.start('small', 'ses_small');
    expect(p.yieldTo('flood')).toBeUndefined();
  });
});
