import { Client } from 'pg';
import { isTitleRequest, reply, type RecordedRequest } from '../fakes/llm';
import { createTenant, type TestTenant } from '../factories/tenant.factory';
import type { NodeProcess } from '../utils/node-process';
import { testRedisUrl } from '../utils/redis-lease';
import type { SseClient } from '../utils/sse-client';
import { testServerUrl } from '../utils/test-database';
import { waitUntil } from '../utils/wait-until';
import { FaultBase, openEvents, startStackApi } from './fault-stack';

// Budgets across a process death: a student with a daily token budget prompts; the loop's LLM call runs on API A,
// whose reservation of the call's worst case is a row (BudgetReservation) counted on the student's counter. A is
// SIGKILLed mid-stream. API B resumes the run (durable runs) and its sweep gives the dead call's reservation back:
// in the end no reservation is left and the counter equals the usage recorded — the dead call's worst case is not
// held against the student forever.

const enabled = !!testRedisUrl() && !!testServerUrl();
const describeFault = enabled ? describe : describe.skip;
if (!enabled)
  it.skip('budget reservations: skipped because REDIS_URL and DATABASE_URL are not both set (two processes share them)', () =>
    undefined);

const SLOW_TEXT = Array.from({ length: 120 }, (_, i) => `slow${i}`).join(' ');
const isChat = (r: RecordedRequest) => !isTitleRequest(r);

describeFault('a budget reservation whose process is SIGKILLed mid-call', () => {
  let base: FaultBase;
  let apiA: NodeProcess;
  let apiB: NodeProcess;
  let urlA: string;
  let urlB: string;
  let school: TestTenant;
  let events: SseClient | undefined;
  let pg: Client;

  beforeAll(async () => {
    base = await FaultBase.start({ redis: 'lease' });
    const stack = base.stack({ WORKERS_IN_API: 'false' });
    [{ proc: apiA, url: urlA }, { proc: apiB, url: urlB }] = await Promise.all([
      startStackApi('api-a', stack),
      startStackApi('api-b', stack),
    ]);
    school = await createTenant(urlA, base.adminKey);
    pg = new Client({ connectionString: base.databaseUrl });
    await pg.connect();
  }, 240_000);

  afterAll(async () => {
    events?.close();
    await pg?.end();
    await base?.close(apiA, apiB);
  });

  const reservations = async () =>
    (await pg.query<{ owner: string }>('SELECT owner FROM "BudgetReservation" WHERE "tenantId" = $1', [school.id]))
      .rows;

  it('is given back by the surviving process, and the counter ends at the usage recorded', async () => {
    const budget = await school.admin.http.put('/admin/budgets', {
      body: { scope: `user:${school.student.id}`, metric: 'tokens_day', limit: '100000000' },
    });
    expect(budget.status).toBe(200);
    const created = await school.student.http.post('/session', { body: {} });
    expect(created.status).toBe(200);
    const id = created.body.id as string;

    base.llm.enqueueWhen(isChat, reply().text(SLOW_TEXT).delay(150).stop());
    base.llm.enqueueWhen(isChat, reply().text('Done after the restart.').stop());
    events = await openEvents(urlB, school.student.key);
    const prompt = await fetch(`${urlA}/session/${id}/prompt_async`, {
      method: 'POST',
      headers: { authorization: `Bearer ${school.student.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ parts: [{ type: 'text', text: 'explain slowly' }] }),
    });
    expect(prompt.status).toBe(204);

    // The call streams on A and its reservation is a row held by A.
    await events.waitForType('message.part.delta', 60_000, (d) => d.properties?.sessionID === id);
    const [held] = await waitUntil(
      'the streaming call to hold a reservation row',
      reservations,
      (rows) => rows.length > 0,
      {
        everyMs: 100,
      },
    );
    expect(held.owner).toContain(`:${apiA.child.pid}:`);
    await apiA.stop('SIGKILL');

    // B resumes the run to its end; the dead call's row is swept and the resumed call's is settled.
    await events.waitFor((f) => f.data?.type === 'session.idle' && f.data.properties?.sessionID === id, 60_000);
    await waitUntil('every reservation to be settled or given back', reservations, (rows) => rows.length === 0, {
      timeoutMs: 30_000,
      everyMs: 100,
    });
    const { rows } = await pg.query<{ used: string; recorded: string }>(
      `SELECT c.used::text AS used,
         (SELECT COALESCE(SUM("inputTokens" + "outputTokens" + "reasoningTokens" + "cacheReadTokens" + "cacheWriteTokens"), 0)::text
            FROM "UsageRecord" WHERE "tenantId" = $1 AND "userId" = $2) AS recorded
       FROM "BudgetCounter" c WHERE c."tenantId" = $1 AND c.key LIKE $3`,
      [school.id, school.student.id, `user:${school.student.id}|tokens_day|%`],
    );
    expect(rows).toHaveLength(1);
    expect(Number(rows[0].recorded)).toBeGreaterThan(0);
    expect(Number(rows[0].used)).toBe(Number(rows[0].recorded));
    expect(apiB.output).toContain('budget reservations of a dead process given back');
  }, 180_000);
});
