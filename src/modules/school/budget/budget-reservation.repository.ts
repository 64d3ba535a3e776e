import { Injectable } from '@nestjs/common';
import { Prisma } from '../../../generated/prisma/client';
import { ownerAliveSql, type LivenessLock } from '../../../infra/database/liveness-lock';
import { PrismaService } from '../../../infra/database/prisma.service';
import { returnToBucket, type BucketClaim } from '../allowance/allowance-bucket.sql';
import { BUDGET_TX } from './budget-counter.repository';

interface Released {
  tenantId: string;
  claims: { key: string; amount: string }[];
  buckets: { bucket: BucketClaim; taken: string }[];
}

/** How many reservations one sweep gives back at most; the next tick takes the rest. */
const SWEEP_BATCH = 200;

/** A reservation may be given back only when it expired and its owner is not alive (its liveness lock is gone). */
const ABANDONED = Prisma.raw(`"expiresAt" < (now() AT TIME ZONE 'UTC') AND NOT ${ownerAliveSql('owner')}`);

/**
 * The rows of running calls' reservations (inserted and deleted by BudgetCounterRepository in the transactions that
 * reserve and settle). A live process renews its own in one statement per tick and holds its liveness lock while it
 * lives; a row past its expiry whose owner holds no liveness lock belongs to a process that died, and any process's
 * sweep gives its amounts back. A live owner's rows stay however late its renewals come (a loaded machine): giving
 * them back while its calls run would let other calls past the budget.
 */
@Injectable()
export class BudgetReservationRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** The lock that tells the other processes' sweeps this owner is alive (liveness-lock.ts); not yet taken. */
  liveness(owner: string, onError?: (err: unknown) => void): LivenessLock {
    return this.prisma.livenessLock(owner, onError);
  }

  async renew(owner: string, ttlMs: number): Promise<void> {
    await this.prisma.$executeRaw`
      UPDATE "BudgetReservation" SET "expiresAt" = (now() AT TIME ZONE 'UTC') + ${ttlMs} * interval '1 millisecond'
      WHERE owner = ${owner}`;
  }

  /**
   * Deletes abandoned reservations (expired, owner dead) and gives back what each held, in one transaction per batch. Rows a settle or
   * another sweeper holds are skipped (SKIP LOCKED): each reservation is given back once, by whoever deletes it.
   * Returns how many were released.
   */
  async releaseExpired(): Promise<number> {
    // Every process asks every few seconds and there is almost never anything: one indexed read, no transaction.
    const due = await this.prisma.$queryRaw<unknown[]>`
      SELECT 1 FROM "BudgetReservation" WHERE ${ABANDONED} LIMIT 1`;
    if (!due.length) return 0;
    return this.prisma.$transaction(async (tx) => {
      const rows = await tx.$queryRaw<Released[]>`
        DELETE FROM "BudgetReservation" WHERE id IN (
          SELECT id FROM "BudgetReservation" WHERE ${ABANDONED}
          ORDER BY "expiresAt" LIMIT ${SWEEP_BATCH} FOR UPDATE SKIP LOCKED)
        RETURNING "tenantId", claims, buckets`;
      // Summed and sorted like a reservation takes them (counters, then buckets), so sweeps and calls never wait
      // on each other's rows crosswise.
      const counters = new Map<string, { tenantId: string; key: string; amount: Prisma.Decimal }>();
      const buckets = new Map<string, { tenantId: string; bucket: BucketClaim; amount: Prisma.Decimal }>();
      for (const row of rows) {
        for (const c of row.claims) {
          const id = `${row.tenantId}\0${c.key}`;
          const sum = counters.get(id) ?? { tenantId: row.tenantId, key: c.key, amount: new Prisma.Decimal(0) };
          counters.set(id, { ...sum, amount: sum.amount.plus(c.amount) });
        }
        for (const b of row.buckets) {
          const id = `${row.tenantId}\0${b.bucket.key}`;
          const sum = buckets.get(id) ?? { tenantId: row.tenantId, bucket: b.bucket, amount: new Prisma.Decimal(0) };
          buckets.set(id, { ...sum, amount: sum.amount.plus(b.taken ?? '0') });
        }
      }
      for (const [, c] of [...counters].sort(([a], [b]) => a.localeCompare(b)))
        await tx.$executeRaw`
          UPDATE "BudgetCounter" SET used = GREATEST(0, used - ${c.amount.toFixed()}::numeric), "updatedAt" = now()
          WHERE "tenantId" = ${c.tenantId} AND key = ${c.key}`;
      for (const [, b] of [...buckets].sort(([a], [z]) => a.localeCompare(z)))
        if (!b.amount.isZero()) await returnToBucket(tx, b.tenantId, b.bucket, b.amount.toFixed());
      return rows.length;
    }, BUDGET_TX);
  }
}
