import { FakeLlm, hang, isTitleRequest, reply, type RecordedRequest } from '../../fakes/llm';
import { createTenant, type TestTenant } from '../../factories/tenant.factory';
import { fakeProviderConfig } from '../../utils/fake-provider-config';
import { request } from '../../utils/http';
import { parsePrometheus, sumOf } from '../../utils/prom-text';
import { startTestApp, type EnvOverrides, type TestApp } from '../../utils/test-app';
import { expectOk, textPrompt } from '../school/school.fixture';

// The stack of the fairness specs: a fake LLM whose replies to the flood's prompts never come (each flood call holds
// its slots until aborted) and answers everything else at once, the app with the spec's fairness settings, and two
// schools: `flood` and `quiet`.

export const FLOOD_PROMPT = 'FLOOD-PROMPT';

export interface FairGauges {
  loops: number;
  loopsWaiting: number;
  calls: number;
  callsWaiting: number;
  intakesWaiting: number;
}

export interface FloodStack {
  app: TestApp;
  llm: FakeLlm;
  flood: TestTenant;
  quiet: TestTenant;
  /** The school's slots held and waiting, as /metrics shows them. */
  gauges(tenantId: string): Promise<FairGauges>;
  /** A new session of the flood's student. */
  floodSession(title: string): Promise<string>;
  /** prompt_async of the flood's hanging prompt (204). */
  floodPrompt(sessionId: string): Promise<void>;
  /** Provider calls the flood's prompts have sent. */
  floodCallsSent(): number;
  /** A quiet student's synchronous prompt on a new session, answered in full ("Served."). */
  expectQuietServed(): Promise<void>;
  close(): Promise<void>;
}

/** Starts the stack; `hanging` flood calls never answer (later ones get the default reply). */
export async function startFloodStack(env: EnvOverrides, hanging = 8): Promise<FloodStack> {
  const llm = await FakeLlm.start({ chunkDelayMs: 0 });
  llm.setDefaultReply(reply().text('Served.').stop());
  const isFlood = (r: RecordedRequest) => !isTitleRequest(r) && JSON.stringify(r.body).includes(FLOOD_PROMPT);
  for (let i = 0; i < hanging; i++) llm.enqueueWhen(isFlood, hang());
  let app: TestApp | undefined;
  try {
    app = await startTestApp({
      OPENCODE_CONFIG_CONTENT: fakeProviderConfig(llm.openaiBaseUrl),
      SANDBOX: 'off',
      LIMIT_REQUESTS_PER_MINUTE: '100000',
      ...env,
    });
  } catch (err) {
    await llm.stop();
    throw err;
  }
  const started = app;
  const [flood, quiet] = await Promise.all([
    createTenant(started.url, started.adminKey),
    createTenant(started.url, started.adminKey),
  ]);
  return {
    app: started,
    llm,
    flood,
    quiet,
    async gauges(tenant) {
      const samples = parsePrometheus((await request(started.url, 'GET', '/metrics', { key: started.adminKey })).text);
      return {
        loops: sumOf(samples, 'oc_session_loops_running', { tenant }),
        loopsWaiting: sumOf(samples, 'oc_fairness_waiting', { kind: 'loop', tenant }),
        calls: sumOf(samples, 'oc_llm_calls_active', { tenant }),
        callsWaiting: sumOf(samples, 'oc_fairness_waiting', { kind: 'llm', tenant }),
        intakesWaiting: sumOf(samples, 'oc_fairness_waiting', { kind: 'intake', tenant }),
      };
    },
    async floodSession(title) {
      return expectOk(await flood.student.http.post('/session', { body: { title } }), 200, 'session').id;
    },
    async floodPrompt(id) {
      expectOk(
        await flood.student.http.post(`/session/${id}/prompt_async`, { body: textPrompt(FLOOD_PROMPT) }),
        204,
        'async',
      );
    },
    floodCallsSent: () => llm.requests.filter((r) => JSON.stringify(r.body).includes(FLOOD_PROMPT)).length,
    async expectQuietServed() {
      const other = expectOk(await quiet.student.http.post('/session', { body: {} }), 200, 'session');
      const answer = expectOk(
        await quiet.student.http.post(`/session/${other.id}/message`, { body: textPrompt('my turn') }),
        200,
        'quiet prompt',
      );
      expect(answer.parts.some((p: { type: string; text?: string }) => p.type === 'text' && p.text === 'Served.')).toBe(
        true,
      );
    },
    async close() {
      await started.close();
      await llm.stop();
    },
  };
}
