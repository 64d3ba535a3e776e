import { createOpencodeClient } from '@opencode-ai/sdk';
import { FakeLlm, isTitleRequest, reply } from '../../fakes/llm';
import { createTenant, type TestTenant } from '../../factories/tenant.factory';
import { startTestApp, type TestApp } from '../../utils/test-app';

// OpenCode's prune (compaction.prune: true): after a loop, completed tool outputs older than the two latest user
// turns and beyond the newest 40k tokens are marked compacted and reach the model as a placeholder.

let app: TestApp;
let llm: FakeLlm;
let school: TestTenant;
const CALLS = 8;

beforeAll(async () => {
  llm = await FakeLlm.start({ chunkDelayMs: 0 });
  llm.setDefaultReply(reply().text('ok').stop());
  app = await startTestApp({
    OPENCODE_CONFIG_CONTENT: JSON.stringify({
      provider: {
        fake: {
          npm: '@ai-sdk/openai-compatible',
          name: 'Fake',
          options: { baseURL: llm.openaiBaseUrl, apiKey: 'x' },
          models: { big: { name: 'Big', tool_call: true, limit: { context: 1_000_000, output: 4_096 } } },
        },
      },
      enabled_providers: ['fake'],
      model: 'fake/big',
      small_model: 'fake/big',
      permission: { bash: 'allow' },
      compaction: { prune: true },
    }),
    SANDBOX: 'off',
  });
  school = await createTenant(app.url, app.adminKey);
}, 120_000);

afterAll(async () => {
  await app?.close();
  await llm?.stop();
});

it('clears old tool outputs beyond the protected window once two newer turns exist', async () => {
  const client = createOpencodeClient({ baseUrl: app.url, headers: { authorization: `Bearer ${school.admin.key}` } });
  const session = (await client.session.create({ body: { title: 'prune' } })).data!;
  // ~50 KB of output per call (the tool truncation limit), each command distinct so no doom-loop check fires.
  const calls = reply();
  for (let i = 0; i < CALLS; i++)
    calls.tool('bash', {
      command: `for i in $(seq 1 1500); do echo "row $i of output ${i} ................................"; done`,
      description: `print rows ${i}`,
    });
  llm.enqueueWhen((r) => !isTitleRequest(r), calls.stop());
  llm.enqueueWhen((r) => !isTitleRequest(r), reply().text('printed').stop());
  await client.session.prompt({ path: { id: session.id }, body: { parts: [{ type: 'text', text: 'print a lot' }] } });
  const toolParts = async () =>
    (await client.session.messages({ path: { id: session.id } }))
      .data!.flatMap((m) => m.parts)
      .filter((p) => p.type === 'tool') as any[];
  expect((await toolParts()).map((p) => p.state.status)).toEqual(Array(CALLS).fill('completed'));
  expect((await toolParts())[0].state.output.length).toBeGreaterThan(30_000);

  await client.session.prompt({ path: { id: session.id }, body: { parts: [{ type: 'text', text: 'second turn' }] } });
  // Two turns: the first is still one of the two protected latest turns.
  expect((await toolParts()).filter((p) => p.state.time.compacted)).toHaveLength(0);
  await client.session.prompt({ path: { id: session.id }, body: { parts: [{ type: 'text', text: 'third turn' }] } });
  const after = await toolParts();
  const cleared = after.filter((p) => p.state.time.compacted);
  expect(cleared.length).toBeGreaterThan(0);
  expect(cleared.length).toBeLessThan(CALLS);
  // Newest outputs stay (the protected 40k tokens); the oldest go first.
  expect(after.slice(0, cleared.length).every((p) => p.state.time.compacted)).toBe(true);
  expect(after.at(-1).state.time.compacted).toBeUndefined();

  await client.session.prompt({ path: { id: session.id }, body: { parts: [{ type: 'text', text: 'fourth turn' }] } });
  const last = llm.requests.filter((r) => !isTitleRequest(r)).at(-1)!;
  expect(last.rawBody.split('[Old tool result content cleared]').length - 1).toBe(cleared.length);
}, 180_000);
