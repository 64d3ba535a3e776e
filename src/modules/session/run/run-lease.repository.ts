import { Injectable } from '@nestjs/common';
import type { AuthContext, Role } from '../../../core/auth/auth-context';
import { ownerAliveSql } from '../../../infra/database/liveness-lock';
import { PrismaService } from '../../../infra/database/prisma.service';
import { historyColumns, toHistory, type HistoryColumns } from '../history-sql';
import { leaseReleaseSql } from './lease-sql';
import type { MessageWithParts } from '../session.types';

const ALIVE = ownerAliveSql('"runOwner"');

/** A lease as the sweep finds it. */
export interface RunLeaseRow {
  id: string;
  tenantId: string;
  userId: string | null;
  parentId: string | null;
  runOwner: string;
  aborted: boolean;
}

/**
 * The run lease's durable side beyond taking it (SessionRepository.acquireLease): renewal by process, the
 * take-over of a dead process's lease, an abort asked while the loop runs elsewhere, and the owner a resumed loop
 * runs as. Plain SQL: renewal and the sweep run every second in every process.
 */
@Injectable()
export class RunLeaseRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Renews the leases of the loops `owner` runs, in one statement (one per process per tick, however many loops it
   * runs: leases renewed one by one outlasted themselves under load). Only the loops named: a lease whose release
   * failed (the database away) must expire, not live on. Returns the sessions still held, with those whose abort a
   * user asked for through another process.
   */
  async renewAll(owner: string, ids: string[], leaseMs: number): Promise<Map<string, { aborted: boolean }>> {
    const r = await this.prisma.sql<{ id: string; aborted: boolean }>(
      `UPDATE "Session" SET "runLeaseUntil" = now() + ($2 * interval '1 millisecond')
       WHERE "runOwner" = $1 AND id = ANY($3::text[]) RETURNING id, "runAbortAt" IS NOT NULL AS aborted`,
      [owner, leaseMs, ids],
    );
    return new Map(r.rows.map((row) => [row.id, { aborted: row.aborted }]));
  }

  /**
   * Takes the lease as SessionRepository.acquireLease does and, when it was taken, reads the session's history in
   * the same statement: the loop's first step needs it next, and this saves that round trip. The read sees every
   * message committed before the statement began; a loop that held the lease before wrote its last message before
   * it released the lease (the release is its last write), so a lease taken here never misses that loop's answer.
   */
  async acquireWithHistory(
    tenantId: string,
    id: string,
    owner: string,
    leaseMs: number,
  ): Promise<{ acquired: false } | { acquired: true; history: MessageWithParts[] }> {
    const r = await this.prisma.sql<HistoryColumns & { acquired: boolean }>(
      `WITH lease AS (
         UPDATE "Session" SET "runOwner" = $3, "runLeaseUntil" = now() + ($4 * interval '1 millisecond')
         WHERE id = $2 AND ("runOwner" IS NULL OR "runOwner" = $3) RETURNING 1),
       taken AS (SELECT EXISTS (SELECT 1 FROM lease) AS acquired)
       SELECT taken.acquired, ${historyColumns('$1', '$2', 'taken.acquired')} FROM taken`,
      [tenantId, id, owner, leaseMs],
    );
    if (!r.rows[0]?.acquired) return { acquired: false };
    return { acquired: true, history: toHistory(id, r.rows[0]) };
  }

  /**
   * Leases whose process is gone: expired, or held by an earlier life of this very process id (a restarted
   * container keeps its pid), and in both cases no live process holds the owner's liveness lock — or this
   * process's own, expired and not running here (its loop ended while the database was away and the release
   * failed; the sweep skips the ones running here). Only these are ever taken over: a lease renewed late, even past
   * its expiry (a process starved of CPU or of pool connections under load), stays with its live owner.
   */
  async abandoned(ownerPrefix: string, liveOwner: string): Promise<RunLeaseRow[]> {
    const r = await this.prisma.sql<RunLeaseRow>(
      `SELECT id, "tenantId", "userId", "parentId", "runOwner", "runAbortAt" IS NOT NULL AS aborted FROM "Session"
       WHERE "runOwner" IS NOT NULL
         AND ("runLeaseUntil" < now() OR (left("runOwner", length($1)) = $1 AND "runOwner" <> $2))
         AND ("runOwner" = $2 OR NOT ${ALIVE})
       LIMIT 500`,
      [ownerPrefix, liveOwner],
    );
    return r.rows;
  }

  /**
   * Takes a dead process's lease, atomically: of all processes sweeping at once, exactly one gets it (Postgres
   * re-checks the owner on the locked row). `earlierLife` skips the expiry check for an owner string of this
   * process's own dead past. Returns how often this run has now been taken over, or undefined when another won.
   */
  async claim(
    id: string,
    from: string,
    owner: string,
    leaseMs: number,
    earlierLife: boolean,
  ): Promise<number | undefined> {
    const r = await this.prisma.sql<{ resumes: number }>(
      `UPDATE "Session" SET "runOwner" = $3, "runLeaseUntil" = now() + ($4 * interval '1 millisecond'),
         "runResumes" = "runResumes" + 1
       WHERE id = $1 AND "runOwner" = $2 AND ("runLeaseUntil" < now() OR $5)
         AND ("runOwner" = $3 OR NOT ${ALIVE})
       RETURNING "runResumes" AS resumes`,
      [id, from, owner, leaseMs, earlierLife],
    );
    return r.rows[0]?.resumes;
  }

  /**
   * Records a user's abort on a lease held by another process: the owner stops at its next renewal (or at once
   * through the bus), and a sweep that finds the lease abandoned ends the run instead of resuming it. False when
   * no loop holds the session.
   */
  async markAborted(id: string): Promise<boolean> {
    const r = await this.prisma.sql(
      `UPDATE "Session" SET "runAbortAt" = COALESCE("runAbortAt", now()) WHERE id = $1 AND "runOwner" IS NOT NULL`,
      [id],
    );
    return r.count > 0;
  }

  /** Ends the run: the lease, an abort asked for it and its take-over count go together. */
  async release(id: string, owner: string): Promise<void> {
    await this.prisma.sql(leaseReleaseSql('$1', '$2'), [id, owner]);
  }

  /** Lets every lease of a process that stops on purpose expire now, so a live process takes its loops over. */
  async expireAll(owner: string): Promise<void> {
    await this.prisma.sql(
      `UPDATE "Session" SET "runLeaseUntil" = now() - interval '1 millisecond' WHERE "runOwner" = $1`,
      [owner],
    );
  }

  /**
   * Who a resumed loop runs as: the session's owner with their role and classes as they are now (never wider than
   * the owner's own rights, whoever sent the prompt). Undefined for a deleted user.
   */
  async ownerAuth(tenantId: string, userId: string): Promise<AuthContext | undefined> {
    const r = await this.prisma.sql<{ role: Role; platformAdmin: boolean; classIds: string[] }>(
      `SELECT u.role, u."platformAdmin",
         COALESCE(ARRAY(SELECT "classId" FROM "ClassMember" m WHERE m."tenantId" = u."tenantId" AND m."userId" = u.id), '{}') AS "classIds"
       FROM "User" u WHERE u."tenantId" = $1 AND u.id = $2 AND u."deletedAt" IS NULL`,
      [tenantId, userId],
    );
    const row = r.rows[0];
    if (!row) return undefined;
    return { tenantId, userId, role: row.role, platformAdmin: row.platformAdmin, classIds: row.classIds };
  }
}
