import { FakeLlm, hang, isTitleRequest, reply, type RecordedRequest } from '../../fakes/llm';
import { createTenant, type TestTenant } from '../../factories/tenant.factory';
import { fakeProviderConfig } from '../../utils/fake-provider-config';
import { request } from '../../utils/http';
import { parsePrometheus, sumOf } from '../../utils/prom-text';
import { startTestApp, type TestApp } from '../../utils/test-app';
import { waitUntil } from '../../utils/wait-until';
import { expectOk, textPrompt } from '../school/school.fixture';

// One school floods: eight prompts whose provider calls never answer. With caps of 4 loops and 2 LLM calls per
// school (3 LLM calls per process), the flood holds 4 loops and 2 calls and queues the rest; a second school's
// prompt is answered in full meanwhile. Aborting the flood drains every queue, including loops still waiting.

const FLOOD = 8;
let app: TestApp;
let llm: FakeLlm;
let flood: TestTenant;
let quiet: TestTenant;

beforeAll(async () => {
  llm = await FakeLlm.start({ chunkDelayMs: 0 });
  llm.setDefaultReply(reply().text('Served.').stop());
  const isFlood = (r: RecordedRequest) => !isTitleRequest(r) && JSON.stringify(r.body).includes('FLOOD-PROMPT');
  for (let i = 0; i < FLOOD; i++) llm.enqueueWhen(isFlood, hang());
  app = await startTestApp({
    OPENCODE_CONFIG_CONTENT: fakeProviderConfig(llm.openaiBaseUrl),
    SANDBOX: 'off',
    LOOPS_PER_TENANT: '4',
    LLM_CALLS_PER_TENANT: '2',
    LLM_CALLS_MAX: '3',
    LIMIT_REQUESTS_PER_MINUTE: '100000',
  });
  [flood, quiet] = await Promise.all([createTenant(app.url, app.adminKey), createTenant(app.url, app.adminKey)]);
});

afterAll(async () => {
  await app?.close();
  await llm?.stop();
});

async function gauges(tenant: string) {
  const res = await request(app.url, 'GET', '/metrics', { key: app.adminKey });
  const samples = parsePrometheus(res.text);
  return {
    loops: sumOf(samples, 'oc_session_loops_running', { tenant }),
    loopsWaiting: sumOf(samples, 'oc_fairness_waiting', { kind: 'loop', tenant }),
    calls: sumOf(samples, 'oc_llm_calls_active', { tenant }),
    callsWaiting: sumOf(samples, 'oc_fairness_waiting', { kind: 'llm', tenant }),
  };
}

const floodCallsSent = () => llm.requests.filter((r) => JSON.stringify(r.body).includes('FLOOD-PROMPT')).length;

it("one school's flood holds only its share; another school is served in full meanwhile; abort drains the queue", async () => {
  const student = flood.student.http;
  const sessions: string[] = [];
  for (let i = 0; i < FLOOD; i++)
    sessions.push(expectOk(await student.post('/session', { body: { title: `flood ${i}` } }), 200, 'session').id);
  for (const id of sessions)
    expectOk(await student.post(`/session/${id}/prompt_async`, { body: textPrompt('FLOOD-PROMPT') }), 204, 'async');

  // 4 loops run (the school's loop cap), 4 wait; of the running ones 2 stream (its LLM cap) and 2 wait.
  const full = { loops: 4, loopsWaiting: FLOOD - 4, calls: 2, callsWaiting: 2 };
  await waitUntil(
    'the flood to fill its share and queue the rest',
    () => gauges(flood.id),
    (g) => JSON.stringify(g) === JSON.stringify(full),
  );
  expect(floodCallsSent()).toBe(2);

  // The other school is not behind the flood: the process's third LLM slot is free for it.
  const other = expectOk(await quiet.student.http.post('/session', { body: {} }), 200, 'session');
  const answer = expectOk(
    await quiet.student.http.post(`/session/${other.id}/message`, { body: textPrompt('my turn') }),
    200,
    'quiet prompt',
  );
  expect(answer.parts.some((p: { type: string; text?: string }) => p.type === 'text' && p.text === 'Served.')).toBe(
    true,
  );
  expect(await gauges(flood.id)).toEqual(full);
  expect(floodCallsSent()).toBe(2);

  // Aborting every flooded session ends the streaming calls and the waits alike: nothing is left queued. (A slot
  // freed by the first aborts may start a queued call before its own abort lands: the count may pass 2 here.)
  await Promise.all(sessions.map((id) => student.post(`/session/${id}/abort`)));
  await waitUntil(
    'every slot and queue of the flood to drain',
    () => gauges(flood.id),
    (g) => g.loops + g.loopsWaiting + g.calls + g.callsWaiting === 0,
  );
  const status = expectOk(await student.get('/session/status'), 200, 'status');
  expect(sessions.filter((id) => status[id])).toEqual([]);
});
