import { Client } from 'pg';
import type { AuthContext } from '../../../src/core/auth/auth-context';
import { domainModules } from '../../../src/modules/domain-modules';
import { BudgetCounterRepository } from '../../../src/modules/school/budget/budget-counter.repository';
import { BudgetMeterService } from '../../../src/modules/school/budget/budget-meter.service';
import { BudgetReservationRepository } from '../../../src/modules/school/budget/budget-reservation.repository';
import { BudgetService } from '../../../src/modules/school/budget/budget.service';
import type { LlmCharge } from '../../../src/modules/session/llm/llm-meter.port';
import { TenantService } from '../../../src/modules/tenant/tenant.service';
import { createTestContext, type TestContext } from '../../utils/test-context';
import { waitUntil } from '../../utils/wait-until';

// Budget reservations as rows, on a real database: a call's reservation is a row from reserve to settle; one whose
// process died (it stopped renewing and holds no liveness lock) is given back by any process's sweep; a live
// process's is kept however late its renewal; a settle that comes after such a sweep charges the real usage instead
// of giving back twice. The fault spec test/faults/durable-run.fault-spec.ts kills
// a real process mid-call.

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
  await waitUntil('the meter to hold its liveness lock', async () => {
    const { rows } = await pg.query(
      `SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted
         AND objid = (hashtextextended($1, 0) & 4294967295)::oid`,
      [meter.owner],
    );
    return rows.length > 0 || undefined;
  });
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

it("a dead process's reservation is given back by the sweep; a live one's is renewed, not released", async () => {
  const start = await counterUsed();
  const live = await meter.reserve(charge('ses_live'), WORST);
  // What a process that died mid-call left: its reservation, counted, owned by nobody alive (never renewed).
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
    { id: 'rsv_dead', owner: 'gone-host:1:dead', sessionId: 'ses_dead', ttlMs: 1 },
  );
  expect(await counterUsed()).toBe(start + 6_000);

  await waitUntil('the dead reservation to be given back', async () => {
    await meter.tick();
    return (await reservationRows()).every((r) => r.id !== 'rsv_dead') || undefined;
  });
  expect(await counterUsed()).toBe(start + 1_000);
  // The live call's row was renewed by the same ticks and is still there.
  expect((await reservationRows()).map((r) => r.owner)).toEqual([meter.owner]);
  await meter.settle(live, USAGE);
  expect(await counterUsed()).toBe(start + 120);
  expect(await reservationRows()).toEqual([]);
});

it("a live process's reservation stays however late its renewal: the sweep gives back only a dead owner's", async () => {
  const start = await counterUsed();
  const slow = await meter.reserve(charge('ses_slow'), WORST);
  // The process stalled past its lease (a loaded machine), but it is alive: its call still runs and will settle.
  await pg.query(
    `UPDATE "BudgetReservation" SET "expiresAt" = (now() AT TIME ZONE 'UTC') - interval '1 hour' WHERE "tenantId" = $1`,
    [tenantId],
  );
  expect(await ctx.get(BudgetReservationRepository).releaseExpired()).toBe(0);
  expect(await counterUsed()).toBe(start + 1_000);
  await meter.settle(slow, USAGE);
  expect(await counterUsed()).toBe(start + 120);
  expect(await reservationRows()).toEqual([]);
});

it('a settle that comes after a sweep released its reservation charges the real usage, not the difference', async () => {
  const start = await counterUsed();
  const late = await meter.reserve(charge('ses_late'), WORST);
  // Its process was taken for dead (e.g. its liveness connection was lost while the database restarted) and another
  // process gave its reservation back: the row's owner holds no lock.
  await pg.query(
    `UPDATE "BudgetReservation" SET owner = 'lost-host:1:gone', "expiresAt" = (now() AT TIME ZONE 'UTC') - interval '1 hour'
     WHERE "tenantId" = $1`,
    [tenantId],
  );
  const released = await ctx.get(BudgetReservationRepository).releaseExpired();
  expect(released).toBe(1);
  expect(await counterUsed()).toBe(start);
  await meter.settle(late, USAGE);
  expect(await counterUsed()).toBe(start + 120);
  expect(await reservationRows()).toEqual([]);
});
