import { isCanonicalId, newId } from './ids';

describe('newId', () => {
  it('stays canonical, unique and time-ordered across many refills of the random pool', () => {
    // 14 random bytes an id: 5,000 ids draw about 17 pools of 4 KiB.
    const ids = Array.from({ length: 5000 }, () => newId('event'));
    expect(ids.every((id) => isCanonicalId('event', id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    // The random tails differ too, not only the time-and-counter heads.
    expect(new Set(ids.map((id) => id.slice(-14))).size).toBe(ids.length);
  });

  it('keeps sessions newest-first', () => {
    const older = newId('session', { at: 1_000 });
    const newer = newId('session', { at: 2_000 });
    expect(newer < older).toBe(true);
  });
});
