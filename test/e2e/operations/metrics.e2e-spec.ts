import { randomBytes } from 'node:crypto';
import { FakeLlm, reply } from '../../fakes/llm';
import { createTenant, type TestTenant } from '../../factories/tenant.factory';
import { fakeProviderConfig } from '../../utils/fake-provider-config';
import { request } from '../../utils/http';
import { helpOf, parsePrometheus, sumOf, type Sample } from '../../utils/prom-text';
import { SseClient } from '../../utils/sse-client';
import { startTestApp, type TestApp } from '../../utils/test-app';
import { waitUntil } from '../../utils/wait-until';
import { expectOk, textPrompt } from '../school/school.fixture';

// GET /metrics: written from the scraper's and the attacker's side. Nobody but a platform administrator or the
// operator's METRICS_TOKEN reads it (it names every school), and what it counts moves when real work happens: a
// prompt through the fake LLM, a budget refusal, an open event stream.

const METRICS_TOKEN = `metrics-${randomBytes(18).toString('hex')}`;
let app: TestApp;
let llm: FakeLlm;
let school: TestTenant;

beforeAll(async () => {
  llm = await FakeLlm.start({ chunkDelayMs: 0 });
  llm.setDefaultReply(reply().text('Counted.').stop());
  app = await startTestApp({
    OPENCODE_CONFIG_CONTENT: fakeProviderConfig(llm.openaiBaseUrl, {}, { cost: { input: 1, output: 2 } }),
    SANDBOX: 'off',
    METRICS_TOKEN,
  });
  school = await createTenant(app.url, app.adminKey);
});

afterAll(async () => {
  await app?.close();
  await llm?.stop();
});

async function scrape(): Promise<{ text: string; samples: Sample[] }> {
  const res = await request(app.url, 'GET', '/metrics', { key: METRICS_TOKEN });
  expect(res.status).toBe(200);
  return { text: res.text, samples: parsePrometheus(res.text) };
}

describe('who may read /metrics', () => {
  it.each([
    ['nobody', undefined],
    ['a wrong token', `metrics-${randomBytes(18).toString('hex')}`],
    ['a token one character short', METRICS_TOKEN.slice(0, -1)],
  ])('refuses %s with 401 in OpenCode shape', async (_, key) => {
    const res = await request(app.url, 'GET', '/metrics', { key });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ name: 'UnauthorizedError', data: { message: expect.any(String) } });
    expect(res.text).not.toContain('oc_');
  });

  it.each(['admin', 'teacher', 'student'] as const)("refuses a school's %s with 403", async (role) => {
    const res = await school.as(role).http.get('/metrics');
    expect(res.status).toBe(403);
    expect(res.body.name).toBe('ForbiddenError');
    expect(res.text).not.toContain('oc_');
  });

  it('does not take the token from the query string (it would land in access logs)', async () => {
    const res = await request(app.url, 'GET', '/metrics', { query: { auth_token: METRICS_TOKEN } });
    expect(res.status).toBe(401);
  });

  it('the token opens /metrics and nothing else', async () => {
    for (const path of ['/admin/tenants', '/session', '/admin/usage']) {
      const res = await request(app.url, 'GET', path, { key: METRICS_TOKEN });
      expect({ path, status: res.status }).toEqual({ path, status: 401 });
    }
  });

  it('answers a platform administrator and the token in Prometheus text format', async () => {
    for (const key of [app.adminKey, METRICS_TOKEN]) {
      const res = await request(app.url, 'GET', '/metrics', { key });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const help = helpOf(res.text);
      for (const name of [
        'oc_http_request_duration_seconds',
        'oc_sse_streams_active',
        'oc_session_loops_running',
        'oc_llm_calls_total',
        'oc_llm_tokens_total',
        'oc_llm_cost_dollars_total',
        'oc_budget_refusals_total',
        'oc_queue_jobs',
        'oc_queue_job_duration_seconds',
        'oc_sandbox_runs_total',
        'oc_db_pool_connections',
        'oc_redis_up',
        'process_cpu_seconds_total',
      ])
        expect({ name, exposed: help.has(name) }).toEqual({ name, exposed: true });
    }
  });
});

describe('what /metrics counts', () => {
  it('a prompt through the fake LLM moves the LLM, token, cost, loop and HTTP metrics of its school only', async () => {
    const other = await createTenant(app.url, app.adminKey);
    const session = expectOk(await school.student.http.post('/session', { body: {} }), 200, 'session');
    const served = expectOk(
      await school.student.http.post(`/session/${session.id}/message`, { body: textPrompt('count me') }),
      200,
      'prompt',
    );
    expect(served.info.role).toBe('assistant');

    // Titles are written by a job after the answer: wait for the step's call to be counted, not for the title's.
    let samples: Sample[] = [];
    await waitUntil('the step call to be counted', async () => {
      samples = (await scrape()).samples;
      return sumOf(samples, 'oc_llm_calls_total', { tenant: school.id, purpose: 'step', outcome: 'ok' }) >= 1;
    });
    const mine = { tenant: school.id, model: 'fake/fake-model' };
    expect(sumOf(samples, 'oc_llm_tokens_total', { ...mine, kind: 'input' })).toBeGreaterThan(0);
    expect(sumOf(samples, 'oc_llm_tokens_total', { ...mine, kind: 'output' })).toBeGreaterThan(0);
    expect(sumOf(samples, 'oc_llm_cost_dollars_total', mine)).toBeGreaterThan(0);
    expect(sumOf(samples, 'oc_llm_call_duration_seconds_count', { model: 'fake/fake-model' })).toBeGreaterThan(0);
    expect(sumOf(samples, 'oc_llm_calls_total', { tenant: other.id })).toBe(0);
    expect(sumOf(samples, 'oc_session_loops_running', { tenant: school.id })).toBe(0);

    // Route templates, never raw paths: no session id in any label.
    const prompts = { route: '/session/:sessionID/message', method: 'POST', status: '2xx' };
    expect(sumOf(samples, 'oc_http_request_duration_seconds_count', prompts)).toBeGreaterThanOrEqual(1);
    expect(samples.filter((s) => Object.values(s.labels).some((v) => v.includes(session.id)))).toEqual([]);
    expect(samples.some((s) => Object.keys(s.labels).some((k) => /user/i.test(k)))).toBe(false);

    // The title job ran on the in-process worker: its duration is recorded by queue and job.
    await waitUntil('the title job to be timed', async () => {
      const s = (await scrape()).samples;
      return sumOf(s, 'oc_queue_job_duration_seconds_count', { queue: 'session', job: 'session.title' }) >= 1;
    });
    expect(sumOf(samples, 'oc_db_pool_connections', { state: 'total' })).toBeGreaterThan(0);
    expect(sumOf(samples, 'oc_redis_up')).toBe(app.redisUrl ? 1 : 0);
  });

  it('a budget refusal is counted by school and code, and its call as refused (nothing reached the provider)', async () => {
    const tenant = await createTenant(app.url, app.adminKey);
    expectOk(
      await tenant.admin.http.put('/admin/budgets', {
        body: { scope: `user:${tenant.student.id}`, metric: 'tokens_day', limit: '1' },
      }),
      200,
      'budget',
    );
    const session = expectOk(await tenant.student.http.post('/session', { body: {} }), 200, 'session');
    const sent = llm.requests.length;
    const refused = await tenant.student.http.post(`/session/${session.id}/message`, { body: textPrompt('too much') });
    expect(refused.status).toBe(429);
    expect(llm.requests.length).toBe(sent);
    const { samples } = await scrape();
    expect(sumOf(samples, 'oc_budget_refusals_total', { tenant: tenant.id })).toBeGreaterThanOrEqual(1);
    expect(sumOf(samples, 'oc_llm_calls_total', { tenant: tenant.id, outcome: 'ok' })).toBe(0);
    expect(sumOf(samples, 'oc_llm_calls_total', { tenant: tenant.id, outcome: 'refused' })).toBeGreaterThanOrEqual(1);
  });

  it('an open event stream is counted while it is open, and no longer once it closes', async () => {
    const stream = await SseClient.open(app.url, '/event', { key: school.teacher.key });
    try {
      await waitUntil('the stream to be counted', async () => {
        const { samples } = await scrape();
        return sumOf(samples, 'oc_sse_streams_active', { kind: 'event', tenant: school.id }) === 1;
      });
    } finally {
      stream.close();
    }
    await waitUntil('the closed stream to be uncounted', async () => {
      const { samples } = await scrape();
      return sumOf(samples, 'oc_sse_streams_active', { kind: 'event', tenant: school.id }) === 0;
    });
  });
});
