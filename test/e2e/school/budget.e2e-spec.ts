import { FakeLlm, hang, reply } from '../../fakes/llm';
import { createTenant, createUser, type TestTenant, type TestUser } from '../../factories/tenant.factory';
import { startTestApp, type TestApp } from '../../utils/test-app';
import { waitUntil } from '../../utils/wait-until';
import { createClass, expectOk, pricedProviderConfig, isTitleRequest, textPrompt } from './school.fixture';

// Budgets are checked before anything is stored or sent to the LLM; usage is recorded per step and reported
// with exact decimals. Prices of the fake model: $1.10 / $3.30 / $0.275 per million input / output / cache-read.

let app: TestApp;
let llm: FakeLlm;

beforeAll(async () => {
  llm = await FakeLlm.start({ chunkDelayMs: 0 });
  llm.setDefaultReply(reply().text('Fine.').stop());
  app = await startTestApp({ OPENCODE_CONFIG_CONTENT: pricedProviderConfig(llm.openaiBaseUrl), SANDBOX: 'off' });
});

afterAll(async () => {
  await app?.close();
  await llm?.stop();
});

async function newSession(user: TestUser, title = 'work'): Promise<string> {
  return expectOk(await user.http.post('/session', { body: { title } }), 200, 'create session').id;
}

async function setBudget(t: TestTenant, scope: string, metric: string, limit: string): Promise<void> {
  expectOk(
    await t.admin.http.put('/admin/budgets', { body: { scope, metric, limit } }),
    200,
    `budget ${scope} ${metric}`,
  );
}

/** The next local midnight in Asia/Seoul (UTC+9, no DST), the default tenant time zone. */
function nextSeoulMidnight(): string {
  const seoul = new Date(Date.now() + 9 * 3600_000);
  return new Date(
    Date.UTC(seoul.getUTCFullYear(), seoul.getUTCMonth(), seoul.getUTCDate() + 1) - 9 * 3600_000,
  ).toISOString();
}

const loopRequests = () => llm.requests.filter((r) => !isTitleRequest(r)).length;

describe('prompt budgets', () => {
  it('50 parallel prompts from a student with 10 left: exactly 10 run, 40 get 429 and store nothing', async () => {
    const school = await createTenant(app.url, app.adminKey);
    const student = await createUser(app.url, school.admin.key, 'student');
    await setBudget(school, `user:${student.id}`, 'prompts_day', '12');
    const warmup = await newSession(student);
    for (let i = 0; i < 2; i++)
      expectOk(
        await student.http.post(`/session/${warmup}/message`, { body: textPrompt(`warm ${i}`) }),
        200,
        'warm-up prompt',
      );

    const sessions = await Promise.all(Array.from({ length: 50 }, (_, i) => newSession(student, `parallel ${i}`)));
    const before = loopRequests();
    const results = await Promise.all(
      sessions.map((id) => student.http.post(`/session/${id}/message`, { body: textPrompt('go') })),
    );

    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(40);
    expect(loopRequests() - before).toBe(10);
    const refused = results.find((r) => r.status === 429)!;
    expect(refused.body).toMatchObject({
      name: 'TooManyRequestsError',
      data: { code: 'budget_prompts_day', limit: '12', resetsAt: nextSeoulMidnight() },
    });
    for (const [i, r] of results.entries()) {
      const messages = expectOk(
        await student.http.get(`/session/${sessions[i]}/message`),
        200,
        'messages',
      ) as unknown[];
      expect(messages.length).toBe(r.status === 200 ? 2 : 0);
    }
  }, 300_000);

  it('students get 100 prompts a day by default; a role budget changes the default, a user budget overrides it', async () => {
    const school = await createTenant(app.url, app.adminKey);
    const session = await newSession(school.student);
    await setBudget(school, 'role:student', 'prompts_day', '1');
    expectOk(await school.student.http.post(`/session/${session}/message`, { body: textPrompt('one') }), 200, 'first');
    const second = await school.student.http.post(`/session/${session}/message`, { body: textPrompt('two') });
    expect(second.status).toBe(429);
    await setBudget(school, `user:${school.student.id}`, 'prompts_day', '2');
    expectOk(
      await school.student.http.post(`/session/${session}/message`, { body: textPrompt('two again') }),
      200,
      'user override',
    );
    // Teachers and admins have no default prompt limit.
    const teacherSession = await newSession(school.teacher);
    expectOk(
      await school.teacher.http.post(`/session/${teacherSession}/message`, { body: textPrompt('teacher') }),
      200,
      'teacher',
    );
  });

  it('a class budget is shared by the class', async () => {
    const school = await createTenant(app.url, app.adminKey);
    const other = await createUser(app.url, school.admin.key, 'student');
    const cls = await createClass(school.admin.http, 'Physics', [
      { userId: school.student.id, role: 'student' },
      { userId: other.id, role: 'student' },
    ]);
    await setBudget(school, `class:${cls}`, 'prompts_day', '3');
    const a = await newSession(school.student);
    const b = await newSession(other);
    expectOk(await school.student.http.post(`/session/${a}/message`, { body: textPrompt('1') }), 200, '1');
    expectOk(await other.http.post(`/session/${b}/message`, { body: textPrompt('2') }), 200, '2');
    expectOk(await school.student.http.post(`/session/${a}/message`, { body: textPrompt('3') }), 200, '3');
    const fourth = await other.http.post(`/session/${b}/message`, { body: textPrompt('4') });
    expect(fourth.status).toBe(429);
    expect(fourth.body.data).toMatchObject({ code: 'budget_prompts_day', scope: `class:${cls}` });
  });

  it('a cost budget refuses a call whose worst case no longer fits, until the next local midnight', async () => {
    const school = await createTenant(app.url, app.adminKey);
    // A prompt reserves its worst case first (~$0.0213 here: the request's input bound at $1.10/M plus 4,096
    // output tokens at $3.30/M), then settles to its real $0.0044; the second no longer fits beside the first.
    await setBudget(school, `user:${school.student.id}`, 'cost_day', '0.025');
    const session = await newSession(school.student);
    llm.enqueueWhen((r) => !isTitleRequest(r), reply().text('pricey').usage({ input: 1000, output: 1000 }).stop());
    expectOk(
      await school.student.http.post(`/session/${session}/message`, { body: textPrompt('expensive') }),
      200,
      'first',
    );
    const next = await school.student.http.post(`/session/${session}/message`, { body: textPrompt('again') });
    expect(next.status).toBe(429);
    expect(next.body.data).toMatchObject({
      code: 'budget_cost_day',
      limit: '0.025',
      used: '0.0044',
      resetsAt: nextSeoulMidnight(),
    });
    expect(Number(next.body.data.requested)).toBeGreaterThan(0.025 - 0.0044);
  });

  it('concurrent running sessions are limited', async () => {
    const school = await createTenant(app.url, app.adminKey);
    await setBudget(school, `user:${school.student.id}`, 'concurrent_sessions', '1');
    const first = await newSession(school.student);
    const second = await newSession(school.student);
    llm.enqueueWhen((r) => !isTitleRequest(r), hang());
    const before = loopRequests();
    expectOk(
      await school.student.http.post(`/session/${first}/prompt_async`, { body: textPrompt('slow') }),
      204,
      'async prompt',
    );
    // The run holds its lease once the LLM has the (hanging) request.
    await waitUntil('the LLM to hold the hanging request', loopRequests, (n) => n > before);
    const refused = await school.student.http.post(`/session/${second}/message`, { body: textPrompt('meanwhile') });
    expect(refused.status).toBe(429);
    expect(refused.body.data).toMatchObject({ code: 'budget_concurrent_sessions', resetsAt: null });
    expectOk(await school.student.http.post(`/session/${first}/abort`), 200, 'abort');
  });
});

describe('usage records and reports', () => {
  it('report totals equal the sum of the message costs, to the micro-dollar, by every grouping and in CSV', async () => {
    const school = await createTenant(app.url, app.adminKey);
    const cls = await createClass(school.admin.http, 'Chemistry', [{ userId: school.student.id, role: 'student' }]);
    const session = await newSession(school.student);
    const usages = [
      { input: 1234, output: 567 },
      { input: 1000, output: 500 },
      { input: 2000, output: 100, cacheRead: 1000 },
    ];
    for (const [i, usage] of usages.entries()) {
      llm.enqueueWhen((r) => !isTitleRequest(r), reply().text(`answer ${i}`).usage(usage).stop());
      expectOk(
        await school.student.http.post(`/session/${session}/message`, { body: textPrompt(`question ${i}`) }),
        200,
        'prompt',
      );
    }
    const messages = expectOk(await school.student.http.get(`/session/${session}/message`), 200, 'messages') as {
      info: { role: string; cost: number };
    }[];
    const messageCost = messages.filter((m) => m.info.role === 'assistant').reduce((sum, m) => sum + m.info.cost, 0);

    const report = async (groupBy: string) =>
      expectOk(await school.admin.http.get('/admin/usage', { query: { groupBy } }), 200, groupBy);
    const tenant = await report('tenant');
    expect(tenant.total.steps).toBe(3);
    expect(Math.abs(Number(tenant.total.cost) - messageCost)).toBeLessThan(1e-6);
    expect(tenant.total).toMatchObject({ inputTokens: expect.any(Number), outputTokens: 1167 });
    expect(tenant.total.cost).toMatch(/^\d+\.\d+$/);
    for (const groupBy of ['class', 'user', 'model', 'day']) {
      const r = await report(groupBy);
      expect(r.rows).toHaveLength(1);
      expect(r.rows[0].cost).toBe(tenant.total.cost);
    }
    expect((await report('class')).rows[0]).toMatchObject({ key: cls, label: 'Chemistry' });
    expect((await report('user')).rows[0]).toMatchObject({ key: school.student.id });
    expect((await report('model')).rows[0]).toMatchObject({ key: 'fake/fake-model' });
    expect((await report('day')).rows[0].key).toMatch(/^\d{4}-\d{2}-\d{2}$/);

    const csv = await school.admin.http.get('/admin/usage', { query: { groupBy: 'user', format: 'csv' } });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toBe(
      'key,label,steps,input_tokens,output_tokens,reasoning_tokens,cache_read_tokens,cache_write_tokens,cost',
    );
    expect(lines.at(-1)!.split(',').at(-1)).toBe(tenant.total.cost);
    // Prices × tokens by hand: (1234×1.1 + 567×3.3) + (1000×1.1 + 500×3.3) + (1000×1.1 + 100×3.3 + 1000×0.275) micro-dollars.
    expect(tenant.total.cost).toBe('0.0076835');

    // Days outside the range report nothing; bad ranges are a 400.
    const empty = expectOk(
      await school.admin.http.get('/admin/usage', { query: { from: '2000-01-01', to: '2000-01-31' } }),
      200,
      'range',
    );
    expect(empty.total).toMatchObject({ steps: 0, cost: '0' });
    expect((await school.admin.http.get('/admin/usage', { query: { from: '2020-02-30' } })).status).toBe(400);
    expect((await school.admin.http.get('/admin/usage', { query: { groupBy: 'planet' } })).status).toBe(400);
  }, 120_000);
});
