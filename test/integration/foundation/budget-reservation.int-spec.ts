import { Client } from 'pg';
import type { AuthContext } from '../../../src/core/auth/auth-context';
import { domainModules } from '../../../src/modules/domain-modules';
import { BudgetCounterRepository } from '../../../src/modules/school/budget/budget-counter.repository';
import { BudgetMeterService } from '../../../src/modules/school/budget/budget-meter.service';
import { BudgetReservationRepository } from '../../../src/modules/school/budget/budget-reservation.repository';
import { BudgetService } from '../../../src/modules/school/budget/budget.service';
import type { LlmCharge } from '../../../src/modules/session/llm/llm-meter.port';
import { SessionRunService } from '../../../src/modules/session/run/session-run.service';
import { TenantService } from '../../../src/modules/tenant/tenant.service';
import { createTestContext, type TestContext } from '../../utils/test-context';
import { waitUntil } from '../../utils/wait-until';

// Budget reservations as rows, on a real database: a call's reservation is a row from reserve to settle; one whose
// process died (its liveness lock is gone) is given back by any process's sweep at once, one whose process lives is
// kept however old (nothing renews it); a settle that comes after such a sweep charges the real usage instead of giving
// back twice. The fault spec test/faults/budget-reservation.fault-spec.ts kills a real process mid-call.

let ctx: TestContext;
let pg: Client;
let meter: BudgetMeterService;
let tenantId: string;
let userId: string;

const WORST = { tokens: 1_000, cost: '0.5' };
const USAGE = { cost: '0.01', input: 100, output: 20, reasoning: 0, cacheRead: 0, cacheWrite: 0 };

const charge = (sessionId: string): LlmCharge => ({
  tenantId,
  userId,
  sessionId,
  providerId: 'fake',
  modelId: 'fake-model',
  purpose: 'step',
});

async function counterUsed(): Promise<number> {
  const { rows } = await pg.query<{ used: string }>(
    `SELECT used::text FROM "BudgetCounter" WHERE "tenantId" = $1 AND key LIKE 'user:%|tokens_day|%'`,
    [tenantId],
  );
  return rows.length ? Number(rows[0].used) : 0;
}

async function reservationRows(): Promise<{ id: string; owner: string; expiresAt: Date }[]> {
  const { rows } = await pg.query('SELECT id, owner, "expiresAt" FROM "BudgetReservation" WHERE "tenantId" = $1', [
    tenantId,
  ]);
  return rows;
}

beforeAll(async () => {
  ctx = await createTestContext(domainModules(), { RUN_LEASE_MS: '1000' });
  pg = new Client({ connectionString: ctx.database.url });
  await pg.connect();
  meter = ctx.get(BudgetMeterService);
  const { tenant, admin } = await ctx
    .get(TenantService)
    .createTenant({ name: 'resv-school', slug: 'resv-school', admin: { name: 'Admin' } });
  tenantId = tenant.id;
  userId = admin.id;
  const auth: AuthContext = { tenantId, userId, role: 'admin', platformAdmin: false };
  await ctx.get(BudgetService).set(auth, { scope: `user:${userId}`, metric: 'tokens_day', limit: '1000000' });
});

afterAll(async () => {
  await pg?.end();
  await ctx?.close();
});

it('a call holds a row from reserve to settle, and the counter ends at the real usage', async () => {
  const reservation = await meter.reserve(charge('ses_a'), WORST);
  expect(await reservationRows()).toEqual([expect.objectContaining({ owner: meter.owner })]);
  expect(await counterUsed()).toBe(1_000);
  await meter.settle(reservation, USAGE);
  expect(await reservationRows()).toEqual([]);
  expect(await counterUsed()).toBe(120);
});

/** A reservation of 5,000 tokens on the user's daily counter, as another process (`owner`) makes it. */
async function foreignReservation(id: string, owner: string, ttlMs: number): Promise<void> {
  await ctx.get(BudgetCounterRepository).reserve(
    tenantId,
    [
      {
        key: (await pg.query(`SELECT key FROM "BudgetCounter" WHERE "tenantId" = $1`, [tenantId])).rows[0].key,
        scope: `user:${userId}`,
        kind: 'tokens',
        from: new Date(),
        expiresAt: new Date(Date.now() + 86_400_000),
        limit: '1000000',
        amount: '5000',
      },
    ],
    [],
    { id, owner, sessionId: `ses_${id}`, ttlMs },
  );
}

const lockKey = 'hashtextextended($1, 0)';

it("a dead process's reservation is given back at once, before it expires; the live process's own is kept", async () => {
  const start = await counterUsed();
  const live = await meter.reserve(charge('ses_live'), WORST);
  // What a process that died mid-call left: its reservation, counted, good for another hour, and no liveness lock.
  await foreignReservation('rsv_dead', 'gone-host:1:dead', 3_600_000);
  expect(await counterUsed()).toBe(start + 6_000);

  // The next sweep takes it (the meter's own timer may be the one that runs it).
  await waitUntil("the dead process's reservation to be given back", async () => {
    await meter.tick();
    return (await reservationRows()).every((r) => r.id !== 'rsv_dead') || undefined;
  });
  expect(await counterUsed()).toBe(start + 1_000);
  // The live call's row is still there.
  expect((await reservationRows()).map((r) => r.owner)).toEqual([meter.owner]);
  await meter.settle(live, USAGE);
  expect(await counterUsed()).toBe(start + 120);
  expect(await reservationRows()).toEqual([]);
});

it("a live process's reservation is kept past its expiry, and given back at once when that process dies", async () => {
  const start = await counterUsed();
  const other = 'other-host:2:live';
  // Another process, alive (it holds its liveness lock) but late: its reservation expired a while ago.
  const otherProcess = new Client({ connectionString: ctx.database.url });
  await otherProcess.connect();
  try {
    await otherProcess.query(`SELECT pg_advisory_lock(${lockKey})`, [other]);
    await foreignReservation('rsv_late', other, 1);
    await pg.query(
      `UPDATE "BudgetReservation" SET "expiresAt" = (now() AT TIME ZONE 'UTC') - interval '1 hour' WHERE id = 'rsv_late'`,
    );
    await meter.tick();
    expect((await reservationRows()).map((r) => r.id)).toEqual(['rsv_late']);
    expect(await counterUsed()).toBe(start + 5_000);
  } finally {
    // The process dies: its connection, and the lock with it, is gone.
    await otherProcess.end();
  }
  // Postgres drops the lock as the ended connection's backend exits, a moment after the client has gone.
  await waitUntil("the dead process's reservation to be given back", async () => {
    await meter.tick();
    return (await reservationRows()).length === 0 || undefined;
  });
  expect(await counterUsed()).toBe(start);
});

it('a settle that comes after a sweep released its reservation charges the real usage, not the difference', async () => {
  const start = await counterUsed();
  const late = await meter.reserve(charge('ses_late'), WORST);
  // The process lost its liveness connection (a database restart): another process took it for dead and gave its
  // reservation back before the lock was taken again.
  await pg.query(
    `SELECT pg_terminate_backend(l.pid) FROM pg_locks l WHERE l.locktype = 'advisory' AND l.objsubid = 1
       AND l.classid = ((${lockKey} >> 32) & 4294967295)::oid AND l.objid = (${lockKey} & 4294967295)::oid`,
    [meter.owner],
  );
  // The backend exits (and its lock goes) a moment after pg_terminate_backend returns; the lock is taken again a
  // second later (LivenessLock's retry): the other process's sweep runs in between.
  await waitUntil(
    'the sweep of another process to give the reservation back',
    async () => {
      await ctx.get(BudgetReservationRepository).releaseAbandoned('other-host:3:sweeper');
      return (await reservationRows()).length === 0;
    },
    (gone) => gone,
    { everyMs: 10 },
  );
  expect(await counterUsed()).toBe(start);
  await meter.settle(late, USAGE);
  expect(await counterUsed()).toBe(start + 120);
  expect(await reservationRows()).toEqual([]);
});

it('one liveness lock per process keeps both its run leases and its reservations (one connection, one owner)', async () => {
  await meter.reserve(charge('ses_one_lock'), WORST).then((r) => meter.settle(r, USAGE));
  expect(meter.owner).toBe(ctx.get(SessionRunService).owner);
  // The test before ended the liveness connection; it is opened again a second later (LivenessLock's retry).
  await waitUntil(
    "this process's liveness lock to be held",
    async () =>
      (
        await pg.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
             AND l.classid = ((${lockKey} >> 32) & 4294967295)::oid AND l.objid = (${lockKey} & 4294967295)::oid`,
          [meter.owner],
        )
      ).rows[0].n,
    (n) => n === 1,
  );
  const { rows } = await pg.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND application_name = 'opencode-api liveness'`,
  );
  expect(rows[0].n).toBe(1);
});
