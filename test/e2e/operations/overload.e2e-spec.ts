import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FakeLlm, reply } from '../../fakes/llm';
import { createTenant, type TestTenant } from '../../factories/tenant.factory';
import { fakeProviderConfig } from '../../utils/fake-provider-config';
import { request, type HttpResult } from '../../utils/http';
import { buildDist, startApiProcess, type NodeProcess } from '../../utils/node-process';
import { parsePrometheus, sumOf } from '../../utils/prom-text';
import { createTestDatabase, type TestDatabase } from '../../utils/test-database';
import { waitUntil } from '../../utils/wait-until';

// Admission control on a real server process whose event loop really falls behind: the test stops the process
// (SIGSTOP) for 300 ms of every 330 and lets it run between, so every probe of its loop fires hundreds of ms late,
// as under a load it cannot keep up with. Meanwhile new prompts and new event streams are refused with a 503 in
// OpenCode's error shape and a Retry-After, while health and /metrics are answered; once the loop catches up, the
// same prompt is admitted and answered. Every stop is followed by a SIGCONT, also when the test fails or times out.

const adminKey = `oc_ol_${randomBytes(18).toString('base64url')}`;
let db: TestDatabase;
let llm: FakeLlm;
let api: NodeProcess;
let url: string;
let dataDir: string;
let school: TestTenant;

beforeAll(async () => {
  buildDist();
  db = await createTestDatabase();
  llm = await FakeLlm.start({ defaultReply: reply().text('Admitted and answered.').stop() });
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'oc-overload-'));
  ({ proc: api, url } = await startApiProcess('api', {
    NODE_ENV: 'test',
    DATABASE_URL: db.url,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    BOOTSTRAP_API_KEY: adminKey,
    OPENCODE_CONFIG_CONTENT: fakeProviderConfig(llm.openaiBaseUrl),
    SANDBOX: 'off',
    OVERLOAD_LAG_MS: '100',
    OVERLOAD_RETRY_AFTER_S: '3',
  }));
  school = await createTenant(url, adminKey);
}, 180_000);

afterAll(async () => {
  if (api && api.exitCode === undefined) process.kill(api.pid, 'SIGCONT');
  await api?.stop();
  await llm?.stop();
  await db?.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

/** Stops and resumes the process until `stop()` is called; the process is always left running. */
function lagging(pid: number): { stop: () => Promise<void> } {
  let on = true;
  const cycle = (async () => {
    const bound = Date.now() + 60_000;
    while (on && Date.now() < bound) {
      process.kill(pid, 'SIGSTOP');
      try {
        await new Promise((r) => setTimeout(r, 300));
      } finally {
        process.kill(pid, 'SIGCONT');
      }
      await new Promise((r) => setTimeout(r, 30));
    }
  })();
  return {
    stop: async () => {
      on = false;
      await cycle;
    },
  };
}

const prompt = (sessionId: string) =>
  school.student.http.post(`/session/${sessionId}/prompt_async`, {
    body: { parts: [{ type: 'text', text: 'Are you there?' }] },
  });

async function scrape(): Promise<ReturnType<typeof parsePrometheus>> {
  const res = await request(url, 'GET', '/metrics', { key: adminKey });
  if (res.status !== 200) throw new Error(`/metrics: HTTP ${res.status}`);
  return parsePrometheus(res.text);
}

function expectOverloaded(res: HttpResult): void {
  expect(res.status).toBe(503);
  expect(res.headers.get('retry-after')).toBe('3');
  expect(res.body).toEqual({
    name: 'ServiceOverloadedError',
    data: expect.objectContaining({ message: expect.any(String), code: 'overloaded', retryAfter: 3 }),
  });
  expect(res.body.data.lagMs).toBeGreaterThan(100);
}

it('refuses new prompts and streams while the event loop lags, answers health and /metrics, and admits again after', async () => {
  const session = await school.student.http.post('/session', { body: { title: 'overload' } });
  expect(session.status).toBe(200);
  const sessionId: string = session.body.id;

  const lag = lagging(api.pid);
  try {
    const refused = await waitUntil(
      'a prompt refused for the lag',
      () => prompt(sessionId),
      (res) => res.status === 503,
      { timeoutMs: 30_000, everyMs: 100 },
    );
    expectOverloaded(refused);
    // A new event stream is refused the same way: a JSON error, not a stream.
    expectOverloaded(await school.student.http.get('/event', { query: { sessionID: sessionId } }));
    // What an operator needs stays answered.
    expect((await request(url, 'GET', '/global/health')).status).toBe(200);
    const metrics = await scrape();
    expect(sumOf(metrics, 'oc_overload_refusals_total', { kind: 'prompt' })).toBeGreaterThanOrEqual(1);
    expect(sumOf(metrics, 'oc_overload_refusals_total', { kind: 'stream' })).toBeGreaterThanOrEqual(1);
    expect(sumOf(metrics, 'oc_overload_loop_lag_seconds')).toBeGreaterThan(0.1);
  } finally {
    await lag.stop();
  }

  // Caught up: the gauge says so, and the same prompt is admitted and answered.
  await waitUntil('the gate to open', scrape, (m) => sumOf(m, 'oc_overload_shedding') === 0, { timeoutMs: 30_000 });
  expect((await prompt(sessionId)).status).toBe(204);
  await waitUntil(
    'the answer',
    () => school.student.http.get(`/session/${sessionId}/message`),
    (res) => JSON.stringify(res.body).includes('Admitted and answered.'),
    { timeoutMs: 30_000 },
  );
}, 120_000);
