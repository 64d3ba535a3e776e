import { tenantPeriods, validTimeZone } from './tenant-clock';

describe('tenantPeriods', () => {
  it('Asia/Seoul: the local day starts at 15:00 UTC the day before', () => {
    const p = tenantPeriods(new Date('2026-03-10T16:30:00Z'), 'Asia/Seoul'); // 01:30 on the 11th in Seoul
    expect(p.dayKey).toBe('2026-03-11');
    expect(p.day.toISOString()).toBe('2026-03-11T00:00:00.000Z');
    expect(p.dayResetsAt.toISOString()).toBe('2026-03-11T15:00:00.000Z');
    expect(p.monthStart.toISOString()).toBe('2026-03-01T00:00:00.000Z');
    expect(p.monthResetsAt.toISOString()).toBe('2026-03-31T15:00:00.000Z');
  });

  it('just before local midnight is still the same day', () => {
    const p = tenantPeriods(new Date('2026-03-11T14:59:59Z'), 'Asia/Seoul');
    expect(p.dayKey).toBe('2026-03-11');
  });

  it('a DST zone: midnight after the spring-forward day is at the new offset', () => {
    // New York moves to UTC-4 on 2026-03-08; the next midnight (the 9th) is 04:00 UTC.
    const p = tenantPeriods(new Date('2026-03-08T12:00:00Z'), 'America/New_York');
    expect(p.dayKey).toBe('2026-03-08');
    expect(p.dayResetsAt.toISOString()).toBe('2026-03-09T04:00:00.000Z');
    const winter = tenantPeriods(new Date('2026-01-15T12:00:00Z'), 'America/New_York');
    expect(winter.dayResetsAt.toISOString()).toBe('2026-01-16T05:00:00.000Z');
  });

  it('December rolls over to January of the next year', () => {
    const p = tenantPeriods(new Date('2026-12-20T00:00:00Z'), 'UTC');
    expect(p.monthResetsAt.toISOString()).toBe('2027-01-01T00:00:00.000Z');
  });

  it('one answer per local day, kept exactly until the next local midnight, whatever order the instants come in', () => {
    const morning = tenantPeriods(new Date('2026-05-04T00:00:00Z'), 'Asia/Seoul'); // 09:00 on the 4th in Seoul
    expect(tenantPeriods(new Date('2026-05-04T14:59:59.999Z'), 'Asia/Seoul')).toBe(morning);
    const next = tenantPeriods(new Date('2026-05-04T15:00:00Z'), 'Asia/Seoul'); // midnight of the 5th
    expect(next.dayKey).toBe('2026-05-05');
    // Back to the 4th (and to the last instant of the 3rd): answered for those days, not the kept one.
    expect(tenantPeriods(new Date('2026-05-04T01:00:00Z'), 'Asia/Seoul').dayKey).toBe('2026-05-04');
    expect(tenantPeriods(new Date('2026-05-03T14:59:59.999Z'), 'Asia/Seoul').dayKey).toBe('2026-05-03');
    expect(tenantPeriods(new Date('2026-05-03T15:00:00Z'), 'America/New_York').dayKey).toBe('2026-05-03');
  });

  it('an unknown zone falls back to Asia/Seoul', () => {
    expect(validTimeZone('Mars/Olympus')).toBe(false);
    expect(tenantPeriods(new Date('2026-03-10T16:30:00Z'), 'Mars/Olympus').dayKey).toBe('2026-03-11');
  });
});
