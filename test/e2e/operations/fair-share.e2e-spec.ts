import { FakeLlm, hang, isTitleRequest, reply, type RecordedRequest } from '../../fakes/llm';
import { createTenant, type TestTenant } from '../../factories/tenant.factory';
import { fakeProviderConfig } from '../../utils/fake-provider-config';
import { request } from '../../utils/http';
import { parsePrometheus, sumOf } from '../../utils/prom-text';
import { startTestApp, type TestApp } from '../../utils/test-app';
import { waitUntil } from '../../utils/wait-until';
import { expectOk, textPrompt } from '../school/school.fixture';

// The fair share between busy schools (LOOPS_SHARED), on the real stack: a school alone runs as many loops as its
// hard cap allows; once another school is busy, its new loops wait while it holds more than its share (4 shared, the
// other school keeps one: three), and freed slots go to them only under that share. The busy window is longer than
// the test, so the quiet school stays busy throughout: every step below waits on the gauges, never on time.

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
    LOOPS_PER_TENANT: '100',
    LOOPS_SHARED: '4',
    LLM_CALLS_SHARED: '0',
    FAIR_BUSY_WINDOW_MS: '600000',
    LIMIT_REQUESTS_PER_MINUTE: '100000',
  });
  [flood, quiet] = await Promise.all([createTenant(app.url, app.adminKey), createTenant(app.url, app.adminKey)]);
});

afterAll(async () => {
  await app?.close();
  await llm?.stop();
});

async function loops(tenant: string) {
  const samples = parsePrometheus((await request(app.url, 'GET', '/metrics', { key: app.adminKey })).text);
  return {
    running: sumOf(samples, 'oc_session_loops_running', { tenant }),
    waiting: sumOf(samples, 'oc_fairness_waiting', { kind: 'loop', tenant }),
  };
}

const same = (want: { running: number; waiting: number }) => (g: { running: number; waiting: number }) =>
  g.running === want.running && g.waiting === want.waiting;

it('a school alone takes every loop it asks for; beside a busy school, new loops wait above its fair share', async () => {
  const student = flood.student.http;
  const sessions: string[] = [];
  const floodPrompt = async () => {
    const id = expectOk(
      await student.post('/session', { body: { title: `flood ${sessions.length}` } }),
      200,
      'session',
    ).id;
    sessions.push(id);
    expectOk(await student.post(`/session/${id}/prompt_async`, { body: textPrompt('FLOOD-PROMPT') }), 204, 'async');
  };

  // Alone, six loops run although the share is four: the share binds only while another school is busy.
  for (let i = 0; i < 6; i++) await floodPrompt();
  await waitUntil('the flood to run six loops', () => loops(flood.id), same({ running: 6, waiting: 0 }));

  // Another school's prompt is admitted at once (it holds none) and answered in full.
  const other = expectOk(await quiet.student.http.post('/session', { body: {} }), 200, 'session');
  const answer = expectOk(
    await quiet.student.http.post(`/session/${other.id}/message`, { body: textPrompt('my turn') }),
    200,
    'quiet prompt',
  );
  expect(answer.parts.some((p: { type: string; text?: string }) => p.type === 'text' && p.text === 'Served.')).toBe(
    true,
  );

  // The quiet school is busy now (within its window): the flood's share is 4 - 1 = 3, so new loops wait.
  await floodPrompt();
  await floodPrompt();
  await waitUntil("the flood's new loops to wait", () => loops(flood.id), same({ running: 6, waiting: 2 }));

  // Freed slots go to its waiting loops only under its share: four of six ended leave two, and one more may run.
  await Promise.all(sessions.slice(0, 4).map((id) => student.post(`/session/${id}/abort`)));
  await waitUntil('one waiting loop to take the freed share', () => loops(flood.id), same({ running: 3, waiting: 1 }));

  await Promise.all(sessions.map((id) => student.post(`/session/${id}/abort`)));
  await waitUntil('every loop of the flood to end', () => loops(flood.id), same({ running: 0, waiting: 0 }));
});
