import { randomUUID } from 'node:crypto';
import type { UsageRowDto, UsageTotalsDto } from '../../../src/modules/school/usage/dto/usage.dto';
import { LLM_PURPOSES, type LlmPurpose } from '../../../src/modules/session/llm/llm-meter.port';
import {
  contextOverflow,
  FakeLlm,
  hang,
  isSummaryRequest,
  isTitleRequest,
  reply,
  type RecordedRequest,
} from '../../fakes/llm';
import { createTenant, createUser, type TestTenant, type TestUser } from '../../factories/tenant.factory';
import { fakeProviderConfig } from '../../utils/fake-provider-config';
import { SseClient } from '../../utils/sse-client';
import { startTestApp, type TestApp } from '../../utils/test-app';
import { waitUntil } from '../../utils/wait-until';
import { expectOk, textPrompt } from './school.fixture';

// Every LLM call goes through one metered path (LlmTurn): it reserves its worst case against every budget in
// force before it is sent and records its real usage, with its purpose, when it ends. These specs count what the
// fake provider served (the usage it reported for each full answer) and compare it with what the server recorded.

const OUTPUT_LIMIT = 400;
let app: TestApp;
let llm: FakeLlm;

beforeAll(async () => {
  llm = await FakeLlm.start({ chunkDelayMs: 0 });
  llm.setDefaultReply(reply().text('Fine.').stop());
  const config = fakeProviderConfig(
    llm.openaiBaseUrl,
    {},
    { cost: { input: 1.1, output: 3.3, cache_read: 0.275 }, limit: { context: 128000, output: OUTPUT_LIMIT } },
  );
  app = await startTestApp({ OPENCODE_CONFIG_CONTENT: config, SANDBOX: 'off' });
});

afterAll(async () => {
  await app?.close();
  await llm?.stop();
});

const isChat = (r: RecordedRequest) => !isTitleRequest(r) && !isSummaryRequest(r);

async function newSession(user: TestUser, title?: string): Promise<string> {
  return expectOk(await user.http.post('/session', { body: title ? { title } : {} }), 200, 'create session').id;
}

async function setBudget(t: TestTenant, scope: string, metric: string, limit: string): Promise<void> {
  expectOk(
    await t.admin.http.put('/admin/budgets', { body: { scope, metric, limit } }),
    200,
    `budget ${scope} ${metric}`,
  );
}

const tokensOf = (r: UsageTotalsDto) =>
  r.inputTokens + r.outputTokens + r.reasoningTokens + r.cacheReadTokens + r.cacheWriteTokens;

async function usageByPurpose(t: TestTenant): Promise<{ rows: Map<string, UsageRowDto>; total: UsageTotalsDto }> {
  const report = expectOk(
    await t.admin.http.get('/admin/usage', { query: { groupBy: 'purpose' } }),
    200,
    'usage by purpose',
  );
  return { rows: new Map((report.rows as UsageRowDto[]).map((r) => [r.key, r])), total: report.total };
}

/** What the fake provider billed for the requests after `from`: full answers only, input + output tokens. */
function served(from: number): { calls: number; tokens: number } {
  const answered = llm.requests.slice(from).filter((r) => r.served);
  return { calls: answered.length, tokens: answered.reduce((sum, r) => sum + r.served!.input + r.served!.output, 0) };
}

/** Background calls (titles) may still be settling: wait until the record has caught up with the provider. */
async function expectEveryServedCallRecorded(t: TestTenant, from: number): Promise<{ calls: number; tokens: number }> {
  let total: UsageTotalsDto | undefined;
  await waitUntil('usage to match the served calls', async () => {
    total = (await usageByPurpose(t)).total;
    return total.steps >= served(from).calls;
  }).catch(() => undefined);
  const s = served(from);
  expect({ calls: total!.steps, tokens: tokensOf(total!) }).toEqual(s);
  return s;
}

/** The worst case a prompt reserves: a budget of 1 token refuses it, and the refusal names what it asked for. */
async function worstCaseOfAPrompt(t: TestTenant): Promise<number> {
  const probe = await createUser(app.url, t.admin.key, 'student');
  await setBudget(t, `user:${probe.id}`, 'tokens_day', '1');
  const before = llm.requests.length;
  const refused = await probe.http.post(`/session/${await newSession(probe, 'probe')}/message`, {
    body: textPrompt('go'),
  });
  expect(refused.status).toBe(429);
  expect(llm.requests.length).toBe(before);
  return Number(refused.body.data.requested);
}

describe('budgets hold under parallel load', () => {
  it('50 parallel prompts against a token budget worth 3: usage stays within it and every served call is recorded', async () => {
    const school = await createTenant(app.url, app.adminKey);
    const worst = await worstCaseOfAPrompt(school);
    expect(worst).toBeGreaterThan(OUTPUT_LIMIT);
    const limit = 3 * worst + Math.floor(worst / 2);
    await setBudget(school, `user:${school.student.id}`, 'tokens_day', String(limit));
    const sessions = await Promise.all(
      Array.from({ length: 50 }, (_, i) => newSession(school.student, `parallel ${i}`)),
    );
    const from = llm.requests.length;

    const results = await Promise.all(
      sessions.map((id) => school.student.http.post(`/session/${id}/message`, { body: textPrompt('go') })),
    );

    expect(results.filter((r) => r.status !== 200 && r.status !== 429).map((r) => `${r.status} ${r.text}`)).toEqual([]);
    const ok = results.filter((r) => r.status === 200).length;
    const refused = results.filter((r) => r.status === 429);
    expect(ok).toBeGreaterThanOrEqual(3);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0].body).toMatchObject({
      name: 'TooManyRequestsError',
      data: {
        code: 'budget_tokens_day',
        scope: `user:${school.student.id}`,
        limit: String(limit),
        resetsAt: expect.any(String),
      },
    });
    const s = await expectEveryServedCallRecorded(school, from);
    expect(s.tokens).toBeLessThanOrEqual(limit);
    expect(s.calls).toBe(ok);
    console.log(
      `[budget race] tokens_day limit ${limit} (worst case per prompt ${worst}): ${ok} answered, ${refused.length} refused; served ${s.calls} calls / ${s.tokens} tokens, recorded the same`,
    );
  }, 300_000);

  it('50 parallel prompts against a class cost budget worth 3 (two students): cost stays within it', async () => {
    const school = await createTenant(app.url, app.adminKey);
    const other = await createUser(app.url, school.admin.key, 'student');
    const cls = expectOk(await school.admin.http.post('/admin/classes', { body: { name: 'Race' } }), 201, 'class').id;
    for (const u of [school.student, other])
      expectOk(
        await school.admin.http.post(`/admin/classes/${cls}/members`, { body: { userId: u.id, role: 'student' } }),
        201,
        'member',
      );
    const worstTokens = await worstCaseOfAPrompt(school);
    // Priced like the fake model: every input token at $1.10/M and every output token at $3.30/M, at most.
    const worstCost = ((worstTokens - OUTPUT_LIMIT) * 1.1 + OUTPUT_LIMIT * 3.3) / 1e6;
    const limit = (3.5 * worstCost).toFixed(6);
    await setBudget(school, `class:${cls}`, 'cost_day', limit);
    const sessions = await Promise.all(
      Array.from({ length: 50 }, (_, i) => newSession(i % 2 ? other : school.student, `parallel ${i}`)),
    );
    const from = llm.requests.length;

    const results = await Promise.all(
      sessions.map((id, i) =>
        (i % 2 ? other : school.student).http.post(`/session/${id}/message`, { body: textPrompt('go') }),
      ),
    );

    expect(results.filter((r) => r.status !== 200 && r.status !== 429).map((r) => `${r.status} ${r.text}`)).toEqual([]);
    const ok = results.filter((r) => r.status === 200).length;
    expect(ok).toBeGreaterThanOrEqual(3);
    await expectEveryServedCallRecorded(school, from);
    const { total } = await usageByPurpose(school);
    expect(Number(total.cost)).toBeLessThanOrEqual(Number(limit));
    console.log(
      `[budget race] class cost_day limit $${limit}: ${ok} answered, ${50 - ok} refused; recorded $${total.cost} over ${total.steps} calls`,
    );
  }, 300_000);
});

describe('concurrency limits are claimed with the run lease', () => {
  it('10 parallel async prompts with 2 concurrent sessions allowed: exactly 2 reach the LLM, the rest get session.error', async () => {
    const school = await createTenant(app.url, app.adminKey);
    await setBudget(school, `user:${school.student.id}`, 'concurrent_sessions', '2');
    const sessions = await Promise.all(Array.from({ length: 10 }, (_, i) => newSession(school.student, `busy ${i}`)));
    for (let i = 0; i < 10; i++) llm.enqueueWhen((r) => isChat(r) && r.rawBody.includes('hold the line'), hang());
    const sse = await SseClient.open(app.url, '/event', { headers: { authorization: `Bearer ${school.student.key}` } });
    const from = llm.requests.length;

    const accepted = await Promise.all(
      sessions.map((id) =>
        school.student.http.post(`/session/${id}/prompt_async`, { body: textPrompt('hold the line') }),
      ),
    );
    expect(accepted.map((r) => r.status).filter((s) => s !== 204 && s !== 429)).toEqual([]);
    const refusedAtDoor = accepted.filter((r) => r.status === 429).length;
    const refusals = () => sse.frames.map((f) => f.data?.payload ?? f.data).filter((e) => e?.type === 'session.error');
    await waitUntil(
      'a session.error for every prompt past the limit',
      async () => refusals().length >= 8 - refusedAtDoor,
      undefined,
      {
        timeoutMs: 30_000,
      },
    );
    await waitUntil('the two admitted prompts to reach the LLM', async () => llm.requests.length - from >= 2);
    // An observation window for a negative fact (no third prompt reaches the LLM), not synchronisation: load can
    // only hide a bug here, never fail a correct limit.
    await new Promise((r) => setTimeout(r, 500));
    expect(llm.requests.length - from).toBe(2);
    expect(refusals()).toHaveLength(8 - refusedAtDoor);
    expect(refusals()[0].properties.error).toMatchObject({
      name: 'TooManyRequestsError',
      data: { code: 'budget_concurrent_sessions', limit: '2', resetsAt: null },
    });
    sse.close();
    for (const id of sessions) await school.student.http.post(`/session/${id}/abort`);
  }, 120_000);
});

describe('every route that makes LLM calls or runs commands checks budgets like a prompt', () => {
  it('summarize, command and shell after the daily budget is spent: 429 with resetsAt, and nothing sent or run', async () => {
    const school = await createTenant(app.url, app.adminKey);
    const session = await newSession(school.student, 'spent');
    expectOk(
      await school.student.http.post(`/session/${session}/message`, { body: textPrompt('first') }),
      200,
      'first prompt',
    );
    await setBudget(school, `user:${school.student.id}`, 'tokens_day', '1');
    const before = llm.requests.length;

    const summarize = await school.student.http.post(`/session/${session}/summarize`, {
      body: { providerID: 'fake', modelID: 'fake-model' },
    });
    expect(summarize.status).toBe(429);
    expect(summarize.body).toMatchObject({
      name: 'TooManyRequestsError',
      data: { code: 'budget_tokens_day', resetsAt: expect.any(String), message: expect.any(String) },
    });
    const init = await school.student.http.post(`/session/${session}/command`, {
      body: { command: 'init', arguments: '' },
    });
    expect(init.status).toBe(429);
    const shell = await school.student.http.post(`/session/${session}/shell`, {
      body: { agent: 'build', command: 'echo ran > ran.txt' },
    });
    expect(shell.status).toBe(429);
    expect(llm.requests.length).toBe(before);
    const messages = expectOk(
      await school.student.http.get(`/session/${session}/message`),
      200,
      'messages',
    ) as unknown[];
    expect(messages).toHaveLength(2);
  }, 120_000);
});

// One scenario per purpose, by type: a purpose added to LLM_PURPOSES does not compile here until it has its test.
const PURPOSE_TESTS: Record<LlmPurpose, string> = {
  step: 'step and title',
  title: 'step and title',
  summary: 'summary (POST /session/{id}/summarize)',
  compaction: 'compaction (the provider refused a step as too large)',
  subagent: 'subagent (the task tool runs a child session)',
};
/** The purposes the scenarios below saw recorded. */
const recorded = new Set<string>();

async function recordedRows(t: TestTenant): Promise<Map<string, UsageRowDto>> {
  const { rows } = await usageByPurpose(t);
  for (const key of rows.keys()) recorded.add(key);
  return rows;
}

describe('every LLM call is recorded with its purpose', () => {
  it(
    PURPOSE_TESTS.step,
    async () => {
      const school = await createTenant(app.url, app.adminKey);
      const from = llm.requests.length;
      const session = await newSession(school.student);
      expectOk(
        await school.student.http.post(`/session/${session}/message`, { body: textPrompt('hello') }),
        200,
        'prompt',
      );
      await waitUntil('the title call', async () => (await usageByPurpose(school)).rows.has('title'));
      const rows = await recordedRows(school);
      expect(rows.get('step')).toMatchObject({ steps: 1 });
      expect(rows.get('title')).toMatchObject({ steps: 1 });
      expect(Number(rows.get('title')!.cost)).toBeGreaterThan(0);
      await expectEveryServedCallRecorded(school, from);
      // A title is not part of the conversation: the session's totals show the step only.
      const info = expectOk(await school.student.http.get(`/session/${session}/message`), 200, 'messages') as {
        info: { role: string; cost: number };
      }[];
      expect(info.filter((m) => m.info.role === 'assistant')).toHaveLength(1);
    },
    60_000,
  );

  it(
    PURPOSE_TESTS.summary,
    async () => {
      const school = await createTenant(app.url, app.adminKey);
      const session = await newSession(school.student, 'to summarise');
      const from = llm.requests.length;
      expectOk(
        await school.student.http.post(`/session/${session}/message`, { body: textPrompt('hello') }),
        200,
        'prompt',
      );
      expectOk(
        await school.student.http.post(`/session/${session}/summarize`, {
          body: { providerID: 'fake', modelID: 'fake-model' },
        }),
        200,
        'summarize',
      );
      const rows = await recordedRows(school);
      expect(rows.get('summary')).toMatchObject({ steps: 1 });
      expect(rows.get('step')).toMatchObject({ steps: 1 });
      await expectEveryServedCallRecorded(school, from);
    },
    60_000,
  );

  it(
    PURPOSE_TESTS.compaction,
    async () => {
      const school = await createTenant(app.url, app.adminKey);
      const session = await newSession(school.student, 'overflowing');
      const from = llm.requests.length;
      expectOk(
        await school.student.http.post(`/session/${session}/message`, { body: textPrompt('hello') }),
        200,
        'first prompt',
      );
      llm.enqueueWhen(isChat, contextOverflow());
      expectOk(
        await school.student.http.post(`/session/${session}/message`, { body: textPrompt('more') }),
        200,
        'overflowing prompt',
      );
      const rows = await recordedRows(school);
      expect(rows.get('compaction')).toMatchObject({ steps: 1 });
      // The refused step cost nothing and is not recorded; the first prompt's step and the replayed one are.
      expect(rows.get('step')!.steps).toBe(2);
      await expectEveryServedCallRecorded(school, from);
    },
    60_000,
  );

  it(
    PURPOSE_TESTS.subagent,
    async () => {
      const school = await createTenant(app.url, app.adminKey);
      const session = await newSession(school.student, 'delegating');
      const from = llm.requests.length;
      llm.enqueueWhen(
        isChat,
        reply().tool('task', { description: 'look around', prompt: 'list the files', subagent_type: 'general' }).stop(),
      );
      expectOk(
        await school.student.http.post(`/session/${session}/message`, { body: textPrompt('delegate this') }),
        200,
        'prompt',
      );
      const rows = await recordedRows(school);
      expect(rows.get('subagent')).toMatchObject({ steps: 1 });
      expect(rows.get('step')).toMatchObject({ steps: 2 });
      await expectEveryServedCallRecorded(school, from);
    },
    60_000,
  );

  it('step: a structured-output retry is a step of its own, recorded like any other', async () => {
    const school = await createTenant(app.url, app.adminKey);
    const session = await newSession(school.student, 'structured');
    const from = llm.requests.length;
    // Both replies answer this prompt's requests only (its text rides in the retry too): a late call of an earlier
    // test must not take one of them.
    const tag = `structured-${randomUUID()}`;
    const ours = (r: RecordedRequest) => isChat(r) && JSON.stringify(r.body).includes(tag);
    llm.enqueueWhen(ours, reply().tool('StructuredOutput', { answer: 42 }).stop());
    llm.enqueueWhen(ours, reply().tool('StructuredOutput', { answer: 'forty-two' }).stop());
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] };
    const res = await school.student.http.post(`/session/${session}/message`, {
      body: { ...textPrompt(`the answer? (${tag})`), format: { type: 'json_schema', schema } },
    });
    // On failure, the whole info and every StructuredOutput attempt (an attempt's error says why it was refused).
    const info = expectOk(res, 200, 'structured prompt').info;
    const messages = expectOk(await school.student.http.get(`/session/${session}/message`), 200, 'messages') as {
      parts: { type: string; tool?: string; state?: { status: string; input?: unknown; error?: string } }[];
    }[];
    const attempts = messages
      .flatMap((m) => m.parts)
      .filter((p) => p.type === 'tool' && p.tool === 'StructuredOutput')
      .map((p) => p.state);
    expect({ info, attempts }).toMatchObject({ info: { structured: { answer: 'forty-two' } } });
    const rows = await recordedRows(school);
    expect(rows.get('step')).toMatchObject({ steps: 2 });
    await expectEveryServedCallRecorded(school, from);
  }, 60_000);

  it('each purpose of LLM_PURPOSES was recorded by the scenarios above', () => {
    expect([...recorded].sort()).toEqual([...LLM_PURPOSES].sort());
  });
});
