import { Injectable } from '@nestjs/common';
import { Prisma } from '../../../generated/prisma/client';
import { PrismaService } from '../../../infra/database/prisma.service';
import { returnToBucket, takeFromBucket, type BucketClaim } from '../allowance/allowance-bucket.sql';

/** One budget in force for a call: its counter row and what the call reserves on it. */
export interface CounterClaim {
  /** `<scope>|<metric>|<period start>`. */
  key: string;
  /** `user:<id>`, `class:<id>` or `tenant`: whose recorded usage seeds a new counter. */
  scope: string;
  kind: 'tokens' | 'cost';
  /** First day of the period (tenant-local), for the seed. */
  from: Date;
  expiresAt: Date;
  limit: string;
  amount: string;
}

export interface UsageRow {
  id: string;
  tenantId: string;
  userId: string | null;
  sessionId: string;
  messageId: string | null;
  partId: string | null;
  providerId: string;
  modelId: string;
  purpose: string;
  day: Date;
  inputTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  cost: string;
}

/** A call's usage row: one statement for both ways it is written (alone, or inside the settle's transaction). */
const USAGE_INSERT = `INSERT INTO "UsageRecord" (id, "tenantId", "userId", "sessionId", "messageId", "partId", "providerId",
    "modelId", purpose, day, "inputTokens", "outputTokens", "reasoningTokens", "cacheReadTokens", "cacheWriteTokens", cost,
    "createdAt")
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::date, $11, $12, $13, $14, $15, $16::numeric, now())`;

function usageParams(u: UsageRow): unknown[] {
  return [
    u.id,
    u.tenantId,
    u.userId,
    u.sessionId,
    u.messageId,
    u.partId,
    u.providerId,
    u.modelId,
    u.purpose,
    u.day.toISOString().slice(0, 10),
    u.inputTokens,
    u.outputTokens,
    u.reasoningTokens,
    u.cacheReadTokens,
    u.cacheWriteTokens,
    u.cost,
  ];
}

/** The row a reservation is kept in while its call runs (budget-reservation.repository.ts). */
export interface ReservationHold {
  id: string;
  owner: string;
  sessionId: string;
  /** Its `expiresAt` is the time taken plus this: for readers of the table; its owner's liveness keeps it. */
  ttlMs: number;
}

/** What did not fit: a budget's counter (with its value) or an allowance's bucket (with its level now). */
export type Refusal = { refused: CounterClaim; used: string } | { bucket: BucketClaim; level: string };

/** A reservation's outcome: a refusal, or what was taken from each bucket (by key). */
export type Reserved = { refusal: Refusal } | { refusal?: undefined; taken: Map<string, string> };

/** The least a bucket must hold to be drawn from: a token, or a millionth of a dollar. */
const MIN_LEVEL = { tokens: '1', cost: '0.000001' } as const;

class BucketRefused extends Error {
  constructor(
    readonly bucket: BucketClaim,
    readonly level: string,
  ) {
    super(bucket.key);
  }
}

class Refused extends Error {
  constructor(
    readonly claim: CounterClaim,
    readonly used: string,
  ) {
    super(claim.key);
  }
}

/**
 * Reservations are short, but a burst of parallel calls queues for the pool's connections: wait for one rather than
 * fail the call (Prisma's default gives up after 2 s).
 */
export const BUDGET_TX = { maxWait: 30_000, timeout: 30_000 };

const TOKENS = `"inputTokens" + "outputTokens" + "reasoningTokens" + "cacheReadTokens" + "cacheWriteTokens"`;

/**
 * Budget counters: what each budget in force has used this period, reservations of running calls included.
 * A reservation is a conditional UPDATE per counter in one transaction; Postgres re-checks the condition on the
 * locked row, so parallel reservations from any number of processes never take a counter past its limit.
 */
@Injectable()
export class BudgetCounterRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Adds every claim's amount to its counter and takes every bucket's amount from its allowance, or none of it;
   * returns what did not fit.
   */
  async reserve(
    tenantId: string,
    claims: CounterClaim[],
    buckets: BucketClaim[] = [],
    hold?: ReservationHold,
  ): Promise<Reserved> {
    // Sorted: two reservations never wait on each other's rows crosswise (counters first, then buckets).
    const sorted = [...claims].sort((a, b) => a.key.localeCompare(b.key));
    const sortedBuckets = [...buckets].sort((a, b) => a.key.localeCompare(b.key));
    const taken = new Map<string, string>();
    try {
      await this.prisma.$transaction(async (tx) => {
        for (const c of sorted) {
          await tx.$executeRawUnsafe(
            `INSERT INTO "BudgetCounter" ("tenantId", key, used, "expiresAt", "updatedAt") SELECT $1, $2, (${this.seed(c)}), $4::timestamp, now() ON CONFLICT DO NOTHING`,
            tenantId,
            c.key,
            c.from.toISOString().slice(0, 10),
            c.expiresAt.toISOString(),
            ...this.seedArgs(c),
          );
          const rows = await tx.$queryRaw<{ used: string }[]>`
            UPDATE "BudgetCounter" SET used = used + ${c.amount}::numeric, "updatedAt" = now()
            WHERE "tenantId" = ${tenantId} AND key = ${c.key} AND used + ${c.amount}::numeric <= ${c.limit}::numeric
            RETURNING used::text`;
          if (!rows.length) {
            const [row] = await tx.$queryRaw<
              { used: string }[]
            >`SELECT used::text FROM "BudgetCounter" WHERE "tenantId" = ${tenantId} AND key = ${c.key}`;
            throw new Refused(c, row?.used ?? '0');
          }
        }
        for (const b of sortedBuckets) {
          const took = await takeFromBucket(tx, tenantId, b, MIN_LEVEL[b.unit]);
          if ('level' in took) throw new BucketRefused(b, took.level);
          taken.set(b.key, took.taken);
        }
        // In the same transaction: what this call holds outlives this process (a sweep gives it back if it dies).
        if (hold)
          await tx.$executeRaw`
            INSERT INTO "BudgetReservation" (id, "tenantId", owner, "sessionId", claims, buckets, "expiresAt")
            VALUES (${hold.id}, ${tenantId}, ${hold.owner}, ${hold.sessionId},
              ${JSON.stringify(sorted.map((c) => ({ key: c.key, amount: c.amount })))}::jsonb,
              ${JSON.stringify(sortedBuckets.map((b) => ({ bucket: b, taken: taken.get(b.key) })))}::jsonb,
              (now() AT TIME ZONE 'UTC') + ${hold.ttlMs} * interval '1 millisecond')`;
      }, BUDGET_TX);
      return { taken };
    } catch (err) {
      if (err instanceof Refused) return { refusal: { refused: err.claim, used: err.used } };
      if (err instanceof BucketRefused) return { refusal: { bucket: err.bucket, level: err.level } };
      throw err;
    }
  }

  /**
   * Records the call's usage and moves each counter from the reserved amount to the real one, in one transaction
   * (a batch: no connection is held between round trips), so a counter always equals settled usage plus open
   * reservations. With `reservationId`, the reservation's row is locked first and deleted last: if a sweep already
   * released it (its process was taken for dead), the counters and buckets take the real amount (`actual`, `used`)
   * instead of the difference, so nothing is given back twice.
   */
  async settle(
    tenantId: string,
    claims: { key: string; delta: string; actual: string }[],
    usage: UsageRow | undefined,
    buckets: { bucket: BucketClaim; giveBack: string; used: string }[] = [],
    reservationId?: string,
  ): Promise<void> {
    const u = usage;
    const rid = reservationId;
    // The common call, no budget to settle: the usage row alone, as plain SQL (PrismaService.sql: a Prisma call
    // costs milliseconds of its query compiler on every step of every prompt).
    if (u && !rid && !claims.length && !buckets.length) {
      await this.prisma.sql(USAGE_INSERT, usageParams(u));
      return;
    }
    const held = Prisma.sql`EXISTS (SELECT 1 FROM "BudgetReservation" WHERE id = ${rid ?? null})`;
    const statements = [
      ...(rid ? [this.prisma.$queryRaw`SELECT id FROM "BudgetReservation" WHERE id = ${rid} FOR UPDATE`] : []),
      ...(u ? [this.prisma.$executeRawUnsafe(USAGE_INSERT, ...usageParams(u))] : []),
      ...[...claims]
        .sort((a, b) => a.key.localeCompare(b.key))
        .map((c) => {
          const change = rid
            ? Prisma.sql`CASE WHEN ${held} THEN ${c.delta}::numeric ELSE ${c.actual}::numeric END`
            : Prisma.sql`${c.delta}::numeric`;
          return this.prisma.$executeRaw`
            UPDATE "BudgetCounter" SET used = GREATEST(0, used + ${change}), "updatedAt" = now() WHERE "tenantId" = ${tenantId} AND key = ${c.key}`;
        }),
      ...[...buckets]
        .sort((a, b) => a.bucket.key.localeCompare(b.bucket.key))
        .map((b) =>
          returnToBucket(
            this.prisma,
            tenantId,
            b.bucket,
            b.giveBack,
            rid ? { reservationId: rid, released: new Prisma.Decimal(b.used).negated().toFixed() } : undefined,
          ),
        ),
      ...(rid ? [this.prisma.$executeRaw`DELETE FROM "BudgetReservation" WHERE id = ${rid}`] : []),
    ];
    if (statements.length === 1) await statements[0];
    else if (statements.length) await this.prisma.$transaction(statements);
  }

  /** Counters of past periods are dead weight; any reservation may sweep them. */
  async sweep(tenantId: string): Promise<void> {
    await this.prisma.$executeRaw`DELETE FROM "BudgetCounter" WHERE "tenantId" = ${tenantId} AND "expiresAt" < now()`;
  }

  /** A new counter starts from the usage already recorded in its period ($1 tenant, $3 period start, $5 scope id). */
  private seed(c: CounterClaim): string {
    const sum = c.kind === 'tokens' ? `COALESCE(SUM(${TOKENS}), 0)` : 'COALESCE(SUM(cost), 0)';
    const base = `SELECT ${sum} FROM "UsageRecord" WHERE "tenantId" = $1 AND day >= $3::date`;
    if (c.scope.startsWith('user:')) return `${base} AND "userId" = $5`;
    if (c.scope.startsWith('class:'))
      return `${base} AND "userId" IN (SELECT "userId" FROM "ClassMember" WHERE "tenantId" = $1 AND "classId" = $5 AND role = 'student')`;
    return base;
  }

  private seedArgs(c: CounterClaim): unknown[] {
    return c.scope === 'tenant' ? [] : [c.scope.slice(c.scope.indexOf(':') + 1)];
  }
}
