import { Prisma } from '../../../generated/prisma/client';
import type { BucketClaim } from './allowance-bucket.sql';
import type { AllowanceRow } from './allowance.repository';

export const ALLOWANCE_UNITS = ['tokens', 'cost'] as const;
export type AllowanceUnit = (typeof ALLOWANCE_UNITS)[number];
export const ALLOWANCE_PERIODS = ['hour', 'day'] as const;
export type AllowancePeriod = (typeof ALLOWANCE_PERIODS)[number];

const PERIOD_SECONDS: Record<string, number> = { hour: 3600, day: 86_400 };

/** An allowance in force for a user: the row it comes from and the bucket it fills. */
export interface Bucket extends Omit<BucketClaim, 'amount'> {
  allowanceId: string;
  /** `tenant`, `class:<id>`, `user:<id>` (a role's allowance becomes the user's own bucket). */
  scope: string;
  per: string;
}

/**
 * The buckets a user draws from: their own allowance per unit (else their role's), each class they study in, the
 * school's. Rows are what AllowanceRepository.forUser read for this user and role.
 */
export function bucketsOf(rows: AllowanceRow[], userId: string, role: string): Bucket[] {
  const own = new Map<string, AllowanceRow>();
  for (const r of rows.filter((x) => x.scope === `role:${role}`)) own.set(r.unit, r);
  for (const r of rows.filter((x) => x.scope === `user:${userId}`)) own.set(r.unit, r);
  const shared = rows.filter((r) => r.scope === 'tenant' || r.scope.startsWith('class:'));
  return [...[...own.values()].map((r) => toBucket(r, `user:${userId}`)), ...shared.map((r) => toBucket(r, r.scope))];
}

function toBucket(r: AllowanceRow, scope: string): Bucket {
  return {
    allowanceId: r.id,
    scope,
    key: `${scope}|${r.unit}`,
    unit: r.unit as AllowanceUnit,
    capacity: r.capacity.toFixed(),
    refill: r.refill.toFixed(),
    per: r.per,
    periodSeconds: PERIOD_SECONDS[r.per] ?? PERIOD_SECONDS.day,
  };
}

/** Seconds until a bucket at `level` holds `amount` again (0 when it already does). */
export function secondsUntil(b: Omit<BucketClaim, 'amount'>, level: string, amount: string): number {
  const missing = new Prisma.Decimal(amount).minus(level);
  if (missing.lte(0)) return 0;
  return missing.times(b.periodSeconds).div(b.refill).ceil().toNumber();
}

/** What a call asks of a bucket: its worst case in the bucket's unit. */
export function worstOf(b: Bucket, worst: { tokens: number; cost: string }): string {
  return b.unit === 'tokens' ? String(worst.tokens) : worst.cost;
}
