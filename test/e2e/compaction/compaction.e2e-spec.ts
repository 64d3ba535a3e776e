import { createOpencodeClient } from '@opencode-ai/sdk';
import { contextOverflow, type FakeLlm } from '../../fakes/llm';
import { createTenant, type TestTenant } from '../../factories/tenant.factory';
import { SseClient } from '../../utils/sse-client';
import { startTestApp, type TestApp } from '../../utils/test-app';
import { windowConfig } from './compaction-stack';
import {
  CONTEXT,
  isSummaryRequest,
  isTitleRequest,
  OUTPUT,
  promptTokens,
  SUMMARY_TEXT,
  turnPrompt,
  windowedLlm,
} from './compaction.helpers';

// Compaction through @opencode-ai/sdk against a fake model with a small context window: the fake reports the
// size of each request as its input usage, exactly as a real provider would, so overflow is detected from
// real numbers and every request must fit the window.

const TURNS = 20;

let app: TestApp;
let llm: FakeLlm;
let school: TestTenant;

function sdk(key: string) {
  return createOpencodeClient({ baseUrl: app.url, headers: { authorization: `Bearer ${key}` } });
}

beforeAll(async () => {
  llm = await windowedLlm();
  app = await startTestApp({
    OPENCODE_CONFIG_CONTENT: windowConfig(llm, { context: CONTEXT, output: OUTPUT, auto: true }),
    SANDBOX: 'off',
  });
  school = await createTenant(app.url, app.adminKey);
}, 120_000);

afterAll(async () => {
  await app?.close();
  await llm?.stop();
});

const chatRequests = () => llm.requests.filter((r) => !isTitleRequest(r));

/** One answered turn, then a second whose next `overflows` chat requests the provider refuses as too large. */
async function overflowOnSecondTurn(title: string, overflows: number) {
  const client = sdk(school.admin.key);
  const session = (await client.session.create({ body: { title } })).data!;
  await client.session.prompt({ path: { id: session.id }, body: { parts: [{ type: 'text', text: turnPrompt(1) }] } });
  // The provider's real refusal (OpenAI wire: 400, code context_length_exceeded).
  for (let i = 0; i < overflows; i++)
    llm.enqueueWhen((r) => !isTitleRequest(r) && !isSummaryRequest(r), contextOverflow());
  const before = chatRequests().length;
  const res = await client.session.prompt({
    path: { id: session.id },
    body: { parts: [{ type: 'text', text: turnPrompt(2) }] },
  });
  return { client, session, res, before };
}

describe('compaction', () => {
  it(`keeps a ${TURNS}-turn conversation inside a ${CONTEXT}-token window; summaries stay in the transcript`, async () => {
    const client = sdk(school.admin.key);
    const session = (await client.session.create({ body: { title: 'long chat' } })).data!;
    const sse = await SseClient.open(app.url, `/event?sessionID=${session.id}`, {
      headers: { authorization: `Bearer ${school.admin.key}` },
    });
    const before = llm.requests.length;
    for (let turn = 1; turn <= TURNS; turn++) {
      const res = await client.session.prompt({
        path: { id: session.id },
        body: { parts: [{ type: 'text', text: turnPrompt(turn) }] },
      });
      expect(res.response.status).toBe(200);
      expect(res.data!.info).toMatchObject({ role: 'assistant' });
      expect((res.data!.info as { error?: unknown }).error).toBeUndefined();
    }
    const requests = llm.requests.slice(before).filter((r) => !isTitleRequest(r));
    const sizes = requests.map(promptTokens);
    // Every request the model received fit its context window; without compaction the last would hold ~4x that.
    expect(Math.max(...sizes)).toBeLessThan(CONTEXT);
    const summaries = requests.filter(isSummaryRequest);
    expect(summaries.length).toBeGreaterThanOrEqual(2);
    // Without compaction the last request would carry the whole conversation; it carries far less.
    const last = requests.at(-1)!;
    expect(last.rawBody).not.toContain('TURN-001');
    expect(last.rawBody).toContain(SUMMARY_TEXT.split('\n')[0]);
    expect(last.rawBody).toContain(`TURN-${String(TURNS).padStart(3, '0')}`);

    const messages = (await client.session.messages({ path: { id: session.id } })).data!;
    const summaryMessages = messages.filter(
      (m) => m.info.role === 'assistant' && (m.info as { summary?: boolean }).summary === true,
    );
    expect(summaryMessages).toHaveLength(summaries.length);
    for (const s of summaryMessages) {
      expect(s.info).toMatchObject({ agent: 'compaction', mode: 'compaction', finish: 'stop' });
      expect(s.parts.find((p) => p.type === 'text')).toMatchObject({ text: SUMMARY_TEXT });
    }
    // Each summary answers an automatic compaction request, and a synthetic "continue" message follows it.
    for (const s of summaryMessages) {
      const index = messages.indexOf(s);
      const request = messages.find((m) => m.info.id === (s.info as { parentID: string }).parentID)!;
      expect(request.parts.find((p) => p.type === 'compaction')).toMatchObject({ type: 'compaction', auto: true });
      expect(messages[index + 1].info.role).toBe('user');
      expect(messages[index + 1].parts[0]).toMatchObject({ type: 'text', synthetic: true });
    }
    // All the turns are still in the transcript: compaction changes what the model sees, not what is stored.
    const texts = messages.flatMap((m) => m.parts.flatMap((p) => (p.type === 'text' ? [p.text] : [])));
    for (let turn = 1; turn <= TURNS; turn++)
      expect(texts.some((t) => t.startsWith(`TURN-${String(turn).padStart(3, '0')}`))).toBe(true);
    expect(
      sse.events.filter((e: any) => e.type === 'session.compacted' && e.properties.sessionID === session.id),
    ).toHaveLength(summaries.length);
    const final = (await client.session.get({ path: { id: session.id } })).data!;
    expect(final.time.compacting).toBeUndefined();
    sse.close();
  }, 240_000);

  it('POST /session/{id}/summarize compacts on demand with the compaction agent and stops at the summary', async () => {
    const client = sdk(school.admin.key);
    const session = (await client.session.create({ body: { title: 'manual' } })).data!;
    for (let turn = 1; turn <= 3; turn++)
      await client.session.prompt({
        path: { id: session.id },
        body: { parts: [{ type: 'text', text: turnPrompt(turn) }] },
      });
    const before = chatRequests().length;
    const res = await client.session.summarize({
      path: { id: session.id },
      body: { providerID: 'fake', modelID: 'tiny-model' },
    });
    expect(res.response.status).toBe(200);
    expect(res.data).toBe(true);
    const sent = chatRequests().slice(before);
    // One request: the summary turn, with the compaction agent's prompt, no tools, and the template.
    expect(sent).toHaveLength(1);
    expect(isSummaryRequest(sent[0])).toBe(true);
    expect(sent[0].rawBody).toContain('You maintain the working memory of a coding session');
    expect(sent[0].body.tools ?? []).toEqual([]);
    expect(sent[0].rawBody).toContain('## Constraints & Preferences');

    const messages = (await client.session.messages({ path: { id: session.id } })).data!;
    const last = messages.at(-1)!;
    expect(last.info).toMatchObject({ role: 'assistant', summary: true, agent: 'compaction', finish: 'stop' });
    const request = messages.at(-2)!;
    expect(request.info.role).toBe('user');
    expect(request.parts).toEqual([expect.objectContaining({ type: 'compaction', auto: false })]);

    // The next prompt sees the summary instead of the summarised turns.
    await client.session.prompt({ path: { id: session.id }, body: { parts: [{ type: 'text', text: turnPrompt(4) }] } });
    const next = chatRequests().at(-1)!;
    expect(next.rawBody).toContain(SUMMARY_TEXT.split('\n')[0]);
    expect(next.rawBody).toContain('TURN-004');
  }, 120_000);

  it('a provider ContextOverflowError compacts, replays the interrupted message, and the synchronous prompt returns the answer', async () => {
    const { client, session, res, before } = await overflowOnSecondTurn('overflow', 1);
    expect(res.response.status).toBe(200);
    // OpenCode's loop compacts and continues: the same request answers with the final assistant message.
    expect(res.data!.info).toMatchObject({ role: 'assistant', finish: 'stop' });
    expect((res.data!.info as { error?: unknown; summary?: unknown }).error).toBeUndefined();
    expect((res.data!.info as { summary?: unknown }).summary).toBeUndefined();
    expect(res.data!.parts.find((p) => p.type === 'text')).toMatchObject({
      text: expect.stringContaining('Answer to turn 002'),
    });

    const messages = (await client.session.messages({ path: { id: session.id } })).data!;
    const roles = messages.map((m) =>
      (m.info as { summary?: unknown }).summary === true
        ? 'summary'
        : m.parts.some((p) => p.type === 'compaction')
          ? 'compaction'
          : m.info.role,
    );
    expect(roles).toEqual(['user', 'assistant', 'user', 'assistant', 'compaction', 'summary', 'user', 'assistant']);
    expect(res.data!.info.id).toBe(messages[7].info.id);
    // The refused step is left without an error (as OpenCode leaves it); no message carries one.
    expect(messages.filter((m) => (m.info as { error?: unknown }).error)).toEqual([]);
    expect(messages[4].parts[0]).toMatchObject({ type: 'compaction', auto: true, overflow: true });
    expect(messages[5].parts.find((p) => p.type === 'text')).toMatchObject({ text: SUMMARY_TEXT });
    expect(messages[6].parts[0]).toMatchObject({ type: 'text', text: turnPrompt(2) });
    // Refused request, summary, continuation: the continuation holds the summary and the replayed turn once.
    const sent = chatRequests().slice(before);
    expect(sent.map((r) => (isSummaryRequest(r) ? 'summary' : 'chat'))).toEqual(['chat', 'summary', 'chat']);
    expect(sent[1].rawBody).toContain('TURN-001');
    expect(sent[1].rawBody).not.toContain('TURN-002');
    expect(sent[2].rawBody).toContain(SUMMARY_TEXT.split('\n')[0]);
    expect(sent[2].rawBody.match(/TURN-002/g)).toHaveLength(1);
    expect(sent[2].rawBody).not.toContain('TURN-001');
  }, 120_000);

  it('an overflow right after a compaction ends the turn with the ContextOverflowError instead of compacting again', async () => {
    const { client, session, res } = await overflowOnSecondTurn('overflow twice', 2);
    expect(res.response.status).toBe(200);
    expect(res.data!.info).toMatchObject({
      role: 'assistant',
      finish: 'error',
      error: { name: 'ContextOverflowError' },
    });
    const messages = (await client.session.messages({ path: { id: session.id } })).data!;
    expect(messages.filter((m) => (m.info as { summary?: unknown }).summary === true)).toHaveLength(1);
    expect(messages.at(-1)!.info.id).toBe(res.data!.info.id);
  }, 120_000);

  it('with compaction.auto false a provider overflow ends the turn with the ContextOverflowError', async () => {
    const other = await createTenant(app.url, app.adminKey);
    const patched = await fetch(`${app.url}/global/config`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${other.admin.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ compaction: { auto: false } }),
    });
    expect(patched.status).toBe(200);
    const client = sdk(other.admin.key);
    const session = (await client.session.create({ body: { title: 'no compaction' } })).data!;
    llm.enqueueWhen((r) => !isTitleRequest(r) && !isSummaryRequest(r), contextOverflow());
    const before = chatRequests().length;
    const res = await client.session.prompt({
      path: { id: session.id },
      body: { parts: [{ type: 'text', text: turnPrompt(1) }] },
    });
    expect(res.data!.info).toMatchObject({
      role: 'assistant',
      finish: 'error',
      error: { name: 'ContextOverflowError' },
    });
    expect(chatRequests().slice(before).filter(isSummaryRequest)).toEqual([]);
    const messages = (await client.session.messages({ path: { id: session.id } })).data!;
    expect(messages.map((m) => m.info.role)).toEqual(['user', 'assistant']);
  });

  it('summarize refuses bad input and other tenants', async () => {
    const client = sdk(school.admin.key);
    const session = (await client.session.create({ body: { title: 'bad input' } })).data!;
    const bad = await fetch(`${app.url}/session/${session.id}/summarize`, {
      method: 'POST',
      headers: { authorization: `Bearer ${school.admin.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ providerID: 'fake' }),
    });
    expect(bad.status).toBe(400);
    const other = await createTenant(app.url, app.adminKey);
    const foreign = await fetch(`${app.url}/session/${session.id}/summarize`, {
      method: 'POST',
      headers: { authorization: `Bearer ${other.admin.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ providerID: 'fake', modelID: 'tiny-model' }),
    });
    expect(foreign.status).toBe(404);
  });
});
