import { Prisma } from '../../../generated/prisma/client';

/** One bucket a call draws from: its key, its shape, and the amount reserved on it. */
export interface BucketClaim {
  /** `<scope>|<unit>` with scope `tenant`, `class:<id>` or `user:<id>`. */
  key: string;
  unit: 'tokens' | 'cost';
  capacity: string;
  /** Amount refilled per `periodSeconds`. */
  refill: string;
  periodSeconds: number;
  /** What the call asks for (its worst case; 0 for calls charged only when they settle). */
  amount: string;
}

type Tx = Prisma.TransactionClient;

// Timestamps are stored without a zone, in UTC (as Prisma writes them), and the clock is read the same way so the
// connection's TimeZone setting never shifts the elapsed time. The wall clock, not the transaction's start: a
// transaction that waited for the row must not see time run backwards from the one before it.
const NOW = `(clock_timestamp() AT TIME ZONE 'UTC')`;

/** The level now: the stored level plus the refill since `refilledAt`, never above capacity ($cap, $refill, $period). */
function levelNow(cap: string, refill: string, period: string): string {
  return `LEAST(${cap}::numeric, level + ${refill}::numeric * GREATEST(0, EXTRACT(EPOCH FROM (${NOW} - "refilledAt")))::numeric / ${period}::numeric)`;
}

/**
 * Takes what the call may need from the bucket: its worst case, or all that is left when less is (the call then
 * overruns into debt by at most its real use beyond that, and the bucket refills from there). A bucket must hold at
 * least `minimum` to be drawn from, and a new one starts full. The row is locked while it is read and written, so
 * parallel reservations from any process see each other: while one call holds the last of a bucket, the others
 * find it empty. `amount` 0 (titles) takes nothing and is charged when it settles. Returns what was taken, or null
 * and the level now when the bucket cannot be drawn from.
 */
export async function takeFromBucket(
  tx: Tx,
  tenantId: string,
  c: BucketClaim,
  minimum: string,
): Promise<{ taken: string } | { level: string }> {
  await tx.$executeRawUnsafe(
    `INSERT INTO "AllowanceBucket" ("tenantId", key, level, "refilledAt") VALUES ($1, $2, $3::numeric, ${NOW}) ON CONFLICT DO NOTHING`,
    tenantId,
    c.key,
    c.capacity,
  );
  const [row] = await tx.$queryRawUnsafe<{ level: string }[]>(
    `SELECT (${levelNow('$3', '$4', '$5')})::text AS level FROM "AllowanceBucket" WHERE "tenantId" = $1 AND key = $2 FOR UPDATE`,
    tenantId,
    c.key,
    c.capacity,
    c.refill,
    c.periodSeconds,
  );
  const level = new Prisma.Decimal(row?.level ?? c.capacity);
  if (new Prisma.Decimal(c.amount).isZero()) return { taken: '0' };
  if (level.lt(minimum)) return { level: level.toFixed() };
  const taken = Prisma.Decimal.min(level, c.amount);
  await tx.$executeRawUnsafe(
    `UPDATE "AllowanceBucket" SET level = $3::numeric, "refilledAt" = ${NOW} WHERE "tenantId" = $1 AND key = $2`,
    tenantId,
    c.key,
    level.minus(taken).toFixed(),
  );
  return { taken: taken.toFixed() };
}

/**
 * Gives back what a call reserved but did not use (`giveBack` < 0 when it used more: the bucket goes into debt
 * and refills from there). Never above capacity. With `held`, the amount depends on whether the call's reservation
 * row is still there (`giveBack`) or was released by a sweep that already returned all it took (`held.released`).
 */
export function returnToBucket(
  tx: Tx,
  tenantId: string,
  c: BucketClaim,
  giveBack: string,
  held?: { reservationId: string; released: string },
) {
  const amount = held
    ? `CASE WHEN EXISTS (SELECT 1 FROM "BudgetReservation" WHERE id = $7) THEN $6::numeric ELSE $8::numeric END`
    : '$6::numeric';
  return tx.$executeRawUnsafe(
    `UPDATE "AllowanceBucket" SET level = LEAST($3::numeric, ${levelNow('$3', '$4', '$5')} + ${amount}), "refilledAt" = ${NOW}
     WHERE "tenantId" = $1 AND key = $2`,
    tenantId,
    c.key,
    c.capacity,
    c.refill,
    c.periodSeconds,
    giveBack,
    ...(held ? [held.reservationId, held.released] : []),
  );
}

/** Levels now of these buckets (missing ones are full). */
export async function bucketLevels(
  tx: Tx,
  tenantId: string,
  buckets: Omit<BucketClaim, 'amount'>[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const b of buckets) {
    const [row] = await tx.$queryRawUnsafe<{ level: string }[]>(
      `SELECT (${levelNow('$3', '$4', '$5')})::text AS level FROM "AllowanceBucket" WHERE "tenantId" = $1 AND key = $2`,
      tenantId,
      b.key,
      b.capacity,
      b.refill,
      b.periodSeconds,
    );
    out.set(b.key, row?.level ?? b.capacity);
  }
  return out;
}
