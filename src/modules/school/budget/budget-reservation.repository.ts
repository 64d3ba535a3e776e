import { Injectable } from '@nestjs/common';
import { Prisma } from '../../../generated/prisma/client';
import { ownerAliveSql } from '../../../infra/database/liveness-lock';
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

const ALIVE = ownerAliveSql('o.owner');

/**
 * The rows of running calls' reservations (inserted and deleted by BudgetCounterRepository in the transactions that
 * reserve and settle). Whether a row's process lives is its liveness lock (liveness-lock.ts), as for the run lease:
 * a killed process's rows are given back by any other process's sweep at once, a live one's stay however long its
 * calls take (a process starved of CPU or of pool connections is slow, not gone; its calls still run and will
 * settle). Nothing renews a row: `expiresAt` is the time it was taken plus the run lease, for whoever reads the
 * table (and the sweep's order), and decides nothing.
 */
@Injectable()
export class BudgetReservationRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Deletes the reservations of processes other than `self` that hold no liveness lock (dead: Postgres dropped the
   * lock with their connection) and gives back what each held, in one transaction per batch. Rows a settle or
   * another sweeper holds are skipped (SKIP LOCKED): each reservation is given back once, by whoever deletes it.
   * Returns how many were released.
   */
  async releaseAbandoned(self: string): Promise<number> {
    // Every process asks every few seconds and there is almost never anything: one read of the owners (indexed) and
    // of the locks of the few other owners there are, no transaction. An owner string is never reused (it ends in a
    // random boot id), so one found dead stays dead.
    const dead = (
      await this.prisma.sql<{ owner: string }>(
        `SELECT o.owner FROM (SELECT DISTINCT owner FROM "BudgetReservation" WHERE owner <> $1) o WHERE NOT ${ALIVE}`,
        [self],
      )
    ).rows.map((r) => r.owner);
    if (!dead.length) return 0;
    return this.prisma.$transaction(async (tx) => {
      const rows = await tx.$queryRaw<Released[]>`
        DELETE FROM "BudgetReservation" WHERE id IN (
          SELECT id FROM "BudgetReservation" WHERE owner = ANY(${dead}::text[])
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
