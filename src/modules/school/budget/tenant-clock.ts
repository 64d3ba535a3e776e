// Budgets reset at midnight in the tenant's time zone, not the server's. Intl gives us the wall clock of any
// IANA zone; the UTC instant of a local midnight is found from the zone's offset at that moment.
import { LRUCache } from 'lru-cache';

// Building a DateTimeFormat loads ICU zone data (about a millisecond); every prompt asks for its periods several
// times, so one formatter per zone is kept. `false`: the name is no zone.
const formatters = new LRUCache<string, Intl.DateTimeFormat | false>({ max: 200 });

function formatter(timeZone: string): Intl.DateTimeFormat | false {
  let fmt = formatters.get(timeZone);
  if (fmt === undefined) {
    try {
      fmt = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      });
    } catch {
      fmt = false;
    }
    formatters.set(timeZone, fmt);
  }
  return fmt;
}

function parts(at: Date, timeZone: string): { y: number; m: number; d: number; h: number; min: number; s: number } {
  const fmt = formatter(timeZone);
  if (!fmt) throw new RangeError(`Invalid time zone specified: ${timeZone}`);
  const p = Object.fromEntries(fmt.formatToParts(at).map((x) => [x.type, x.value]));
  return { y: +p.year, m: +p.month, d: +p.day, h: +p.hour % 24, min: +p.minute, s: +p.second };
}

/** Milliseconds the zone is ahead of UTC at `at`. */
function offsetMs(at: Date, timeZone: string): number {
  const p = parts(at, timeZone);
  return Date.UTC(p.y, p.m - 1, p.d, p.h, p.min, p.s) - Math.floor(at.getTime() / 1000) * 1000;
}

/** UTC instant of local midnight of (y, m, d) in the zone (months 1-based; overflow rolls over). */
function localMidnight(y: number, m: number, d: number, timeZone: string): Date {
  const guess = Date.UTC(y, m - 1, d);
  const first = guess - offsetMs(new Date(guess), timeZone);
  // A second pass settles zones whose offset changes between the guess and the answer (DST).
  return new Date(guess - offsetMs(new Date(first), timeZone));
}

export function validTimeZone(timeZone: string): boolean {
  return formatter(timeZone) !== false;
}

export interface TenantPeriods {
  /** The local calendar day as a UTC date (what a `@db.Date` column stores). */
  day: Date;
  /** First local day of the month, same representation. */
  monthStart: Date;
  /** Next local midnight, as an instant. */
  dayResetsAt: Date;
  /** Next local first-of-month midnight, as an instant. */
  monthResetsAt: Date;
  /** `YYYY-MM-DD` of the local day, for counter keys. */
  dayKey: string;
}

// A zone's periods hold from its local midnight to the next: every call of a day in the zone gets the same answer
// (five formatToParts calls otherwise, several times per prompt). Callers must not change the Dates they get.
const periodsOfDay = new LRUCache<string, { from: number; periods: TenantPeriods }>({ max: 200 });

export function tenantPeriods(at: Date, timeZone: string): TenantPeriods {
  const tz = validTimeZone(timeZone) ? timeZone : 'Asia/Seoul';
  const t = at.getTime();
  const kept = periodsOfDay.get(tz);
  if (kept && t >= kept.from && t < kept.periods.dayResetsAt.getTime()) return kept.periods;
  const p = parts(at, tz);
  const day = new Date(Date.UTC(p.y, p.m - 1, p.d));
  const periods = {
    day,
    monthStart: new Date(Date.UTC(p.y, p.m - 1, 1)),
    dayResetsAt: localMidnight(p.y, p.m, p.d + 1, tz),
    monthResetsAt: localMidnight(p.y, p.m + 1, 1, tz),
    dayKey: day.toISOString().slice(0, 10),
  };
  const from = localMidnight(p.y, p.m, p.d, tz).getTime();
  // Kept only when `at` really lies in the day it describes (the zone's rules could disagree at a transition).
  if (t >= from && t < periods.dayResetsAt.getTime()) periodsOfDay.set(tz, { from, periods });
  return periods;
}
