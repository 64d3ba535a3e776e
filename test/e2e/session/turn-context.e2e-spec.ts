import { FakeLlm, reply } from '../../fakes/llm';
import { createTenant, type TestTenant } from '../../factories/tenant.factory';
import { fakeProviderConfig } from '../../utils/fake-provider-config';
import { startTestApp, type TestApp } from '../../utils/test-app';
import { waitUntil } from '../../utils/wait-until';
import { isTitleRequest } from '../agent/kit';

// Every LLM call of the product is decided by the one TurnContext: each purpose's request carries what only its
// request shaping adds (session affinity headers, the parent session of a subagent, the variant's options).

let app: TestApp;
let llm: FakeLlm;
let school: TestTenant;

const isCompaction = (r: { body: unknown }) =>
  JSON.stringify(r.body).includes('You maintain the working memory of a coding session');
const isLoop = (r: { body: unknown }) => !isTitleRequest(r) && !isCompaction(r);
const header = (r: { headers: Record<string, unknown> }, name: string) => r.headers[name];

beforeAll(async () => {
  llm = await FakeLlm.start({ chunkDelayMs: 0 });
  llm.setDefaultReply(reply().text('ok').stop());
  // A reasoning model: the built-in `high` variant sets its reasoning effort.
  app = await startTestApp({
    OPENCODE_CONFIG_CONTENT: fakeProviderConfig(llm.openaiBaseUrl, {}, { reasoning: true }),
    SANDBOX: 'off',
  });
  school = await createTenant(app.url, app.adminKey);
});

afterAll(async () => {
  await app?.close();
  await llm?.stop();
});

async function newSession(): Promise<string> {
  return (await school.admin.http.post('/session', { body: {} })).body.id;
}

it('loop step and title: shaped by the TurnContext (affinity header, the variant picked)', async () => {
  const id = await newSession();
  const before = llm.requests.length;
  const res = await school.admin.http.post(`/session/${id}/message`, {
    body: { variant: 'high', parts: [{ type: 'text', text: 'hello there' }] },
  });
  expect(res.status).toBe(200);
  await waitUntil('the title request', () => llm.requests.slice(before).some(isTitleRequest));
  const sent = llm.requests.slice(before);
  const loop = sent.find(isLoop)!;
  expect(header(loop, 'x-session-affinity')).toBe(id);
  expect((loop.body as { reasoning_effort?: string }).reasoning_effort).toBe('high');
  const title = sent.find(isTitleRequest)!;
  expect(header(title, 'x-session-affinity')).toBe(id);
  expect(
    (title.body as { max_tokens?: number; max_completion_tokens?: number }).max_tokens ??
      (title.body as { max_completion_tokens?: number }).max_completion_tokens,
  ).toBe(100);
});

it('compaction: the summary call is shaped by the TurnContext too', async () => {
  const id = await newSession();
  await school.admin.http.post(`/session/${id}/message`, {
    body: { parts: [{ type: 'text', text: 'remember the number 7' }] },
  });
  const before = llm.requests.length;
  const res = await school.admin.http.post(`/session/${id}/summarize`, {
    body: { providerID: 'fake', modelID: 'fake-model' },
  });
  expect(res.status).toBe(200);
  const summary = llm.requests.slice(before).find(isCompaction);
  expect(summary).toBeDefined();
  expect(header(summary!, 'x-session-affinity')).toBe(id);
});

it('subagent: the child step is decided for the child session, with its parent named', async () => {
  const id = await newSession();
  llm.enqueueWhen(
    isLoop,
    reply().tool('task', { description: 'Look', prompt: 'look around', subagent_type: 'explore' }).stop(),
  );
  llm.enqueueWhen(isLoop, reply().text('child done').stop());
  llm.enqueueWhen(isLoop, reply().text('parent done').stop());
  const before = llm.requests.length;
  expect(
    (await school.admin.http.post(`/session/${id}/message`, { body: { parts: [{ type: 'text', text: 'delegate' }] } }))
      .status,
  ).toBe(200);
  const child = llm.requests
    .slice(before)
    .filter(isLoop)
    .find((r) => header(r, 'x-parent-session-id') === id);
  expect(child).toBeDefined();
  expect(header(child!, 'x-session-affinity')).not.toBe(id);
});
