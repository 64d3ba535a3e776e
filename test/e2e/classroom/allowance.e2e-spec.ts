import { FakeLlm, isTitleRequest, reply } from '../../fakes/llm';
import { SseClient } from '../../utils/sse-client';
import { startTestApp, type TestApp } from '../../utils/test-app';
import { waitUntil } from '../../utils/wait-until';
import { createSchool, expectOk, pricedProviderConfig, textPrompt, type School } from '../school/school.fixture';

// Refilling allowances from every side: the admin sets a bucket per student; a student's calls draw from it
// through the same reservation as the budgets; a refused prompt says when to retry (header and body); the student
// reads what is left and learns it after each turn on their stream; the teacher reads per-student usage of their
// class (JSON and CSV), nobody else does.

jest.setTimeout(120_000);

let app: TestApp;
let llm: FakeLlm;
let school: School;

beforeAll(async () => {
  llm = await FakeLlm.start({ chunkDelayMs: 0 });
  // Titles are charged to the allowance too (never refused by it): kept tiny here so they cannot empty a bucket.
  llm.setDefaultReply((r) =>
    isTitleRequest(r)
      ? reply().text('Loops').usage({ input: 1, output: 1 }).stop()
      : reply().text('Try a smaller example first.').usage({ input: 40, output: 10 }).stop(),
  );
  app = await startTestApp({ OPENCODE_CONFIG_CONTENT: pricedProviderConfig(llm.openaiBaseUrl), SANDBOX: 'off' });
  school = await createSchool(app.url, app.adminKey);
});

afterAll(async () => {
  await app?.close();
  await llm?.stop();
});

const CAPACITY = 5000;
// One token a second: a bucket short by n tokens is full again n seconds later.
const REFILL_PER_HOUR = 3600;

async function newSession(http = school.http.student): Promise<string> {
  return expectOk(await http.post('/session', { body: {} }), 200, 'session').id;
}

describe('admins set allowances', () => {
  it('refuses bad input and other roles', async () => {
    const put = (body: object) => school.http.admin.put('/admin/allowances', { body });
    const ok = { scope: 'role:student', unit: 'tokens', capacity: '10', refill: '1', per: 'hour' };
    expect((await put({ ...ok, capacity: '1.5' })).status).toBe(400);
    expect((await put({ ...ok, refill: '0' })).status).toBe(400);
    expect((await put({ ...ok, per: 'week' })).status).toBe(400);
    expect((await put({ ...ok, unit: 'prompts' })).status).toBe(400);
    expect((await put({ ...ok, scope: 'class:cls_000000000000AAAAAAAAAAAAAA' })).status).toBe(404);
    expect((await school.http.teacher.put('/admin/allowances', { body: ok })).status).toBe(403);
    expect((await school.http.student.get('/admin/allowances')).status).toBe(403);
    expect((await school.http.admin.delete('/admin/allowances/alw_nope')).status).toBe(404);
    expect((await school.http.otherTenant.get('/admin/allowances')).body).toEqual([]);
  });
});

describe('a student’s allowance', () => {
  let allowanceId: string;

  beforeAll(async () => {
    allowanceId = expectOk(
      await school.http.admin.put('/admin/allowances', {
        body: {
          scope: `user:${school.users.student.id}`,
          unit: 'tokens',
          capacity: String(CAPACITY),
          refill: String(REFILL_PER_HOUR),
          per: 'hour',
        },
      }),
      200,
      'allowance',
    ).id;
  });

  it('starts full, shrinks after a turn (told on the stream), and a refused prompt says when to retry', async () => {
    const full = expectOk(await school.http.student.get('/classroom/allowance'), 200, 'mine');
    expect(full.allowances).toEqual([
      expect.objectContaining({
        allowanceID: allowanceId,
        scope: `user:${school.users.student.id}`,
        unit: 'tokens',
        capacity: String(CAPACITY),
        remaining: String(CAPACITY),
        per: 'hour',
        fullAt: null,
      }),
    ]);
    // Another student has no allowance of their own.
    expect(expectOk(await school.http.otherStudent.get('/classroom/allowance'), 200, 'other').allowances).toEqual([]);

    const stream = await SseClient.open(app.url, '/event', { key: school.users.student.key });
    const session = await newSession();
    // A long answer: more than the bucket held, so it ends below zero and refills from there.
    llm.enqueueWhen(
      (r) => !isTitleRequest(r),
      reply().text('A long answer.').usage({ input: 5200, output: 300 }).stop(),
    );
    expectOk(await school.http.student.post(`/session/${session}/message`, { body: textPrompt('hi') }), 200, 'turn');
    const updated = await stream.waitFor((f) => f.data?.type === 'budget.updated');
    stream.close();
    const after = updated.data.properties.allowances[0];
    expect(updated.data.properties).toMatchObject({ userID: school.users.student.id, sessionID: session });
    expect(Number(after.remaining)).toBeLessThan(0);
    expect(after.fullAt).toBeGreaterThan(Date.now() + 500_000);

    const mine = expectOk(await school.http.student.get('/classroom/allowance'), 200, 'mine').allowances[0];
    expect(Number(mine.remaining)).toBeLessThan(0);

    const before = llm.requests.length;
    const refused = await school.http.student.post(`/session/${session}/message`, { body: textPrompt('again') });
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({
      name: 'TooManyRequestsError',
      data: { code: 'allowance_tokens', scope: `user:${school.users.student.id}`, capacity: String(CAPACITY) },
    });
    // 500 tokens short at one token a second: the bucket can be drawn from again in about 500 s.
    const retryAfter = refused.body.data.retryAfter as number;
    expect(retryAfter).toBeGreaterThan(400);
    expect(retryAfter).toBeLessThan(Number(CAPACITY));
    expect(refused.headers.get('retry-after')).toBe(String(retryAfter));
    expect(Date.parse(refused.body.data.resetsAt)).toBeGreaterThan(Date.now());
    expect(llm.requests.slice(before).filter((r) => r.rawBody.includes('again'))).toEqual([]);
  });

  it('parallel prompts: while one call holds the last of the bucket the others find it empty', async () => {
    const student = school.users.otherStudent;
    // Each answer uses 50 tokens, more than the bucket holds: the first call takes all 30 and leaves it in debt.
    expectOk(
      await school.http.admin.put('/admin/allowances', {
        body: { scope: `user:${student.id}`, unit: 'tokens', capacity: '30', refill: '1', per: 'day' },
      }),
      200,
      'allowance',
    );
    const sessions = await Promise.all(Array.from({ length: 6 }, () => newSession(school.http.otherStudent)));
    const results = await Promise.all(
      sessions.map((s) => school.http.otherStudent.post(`/session/${s}/message`, { body: textPrompt('go') })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 429, 429, 429, 429, 429]);
    for (const r of results.filter((x) => x.status === 429)) expect(r.body.data.code).toBe('allowance_tokens');
    const left = expectOk(await school.http.otherStudent.get('/classroom/allowance'), 200, 'left').allowances[0];
    expect(Number(left.remaining)).toBeLessThan(0);
  });

  it('the class’s teacher reads per-student usage as JSON and CSV; nobody outside the class does', async () => {
    const route = `/classroom/classes/${school.classA}/usage`;
    await waitUntil('usage recorded', async () => {
      const r = expectOk(await school.http.teacher.get(route), 200, 'usage');
      return r.rows.some((x: { key: string; steps: number }) => x.key === school.users.student.id && x.steps > 0);
    });
    const report = expectOk(await school.http.teacher.get(route), 200, 'usage');
    expect(report.groupBy).toBe('user');
    expect(report.rows.map((r: { key: string }) => r.key)).toEqual([school.users.student.id]);
    expect(report.rows[0]).toMatchObject({ label: school.users.student.name, cost: expect.any(String) });
    expect(report.rows[0].inputTokens).toBeGreaterThan(0);

    const csv = await school.http.teacher.get(route, { query: { format: 'csv' } });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toBe(
      'key,label,steps,input_tokens,output_tokens,reasoning_tokens,cache_read_tokens,cache_write_tokens,cost',
    );
    expect(lines[1].startsWith(`${school.users.student.id},`)).toBe(true);
    expect(lines.at(-1)!.startsWith('total,')).toBe(true);

    expect((await school.http.admin.get(route)).status).toBe(200);
    expect((await school.http.otherTeacher.get(route)).status).toBe(404);
    expect((await school.http.student.get(route)).status).toBe(403);
    expect((await school.http.otherTenant.get(route)).status).toBe(404);
    expect((await school.http.teacher.get(route, { query: { from: '2026-13-01' } })).status).toBe(400);
    expect((await school.http.teacher.get(route, { query: { format: 'xml' } })).status).toBe(400);
  });
});
