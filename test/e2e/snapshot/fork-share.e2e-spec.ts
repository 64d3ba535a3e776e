import { createOpencodeClient } from '@opencode-ai/sdk';
import { FakeLlm, isTitleRequest, reply } from '../../fakes/llm';
import { createTenant, type TestTenant } from '../../factories/tenant.factory';
import { request } from '../../utils/http';
import { SseClient } from '../../utils/sse-client';
import { startTestApp, type TestApp } from '../../utils/test-app';
import { fakeProviderConfig } from '../../utils/fake-provider-config';

// Fork (a prefix of a session in a new one) and public share links, through @opencode-ai/sdk.

let app: TestApp;
let llm: FakeLlm;
let school: TestTenant;
const streams: SseClient[] = [];
// Booting and closing a whole app can take a minute on a loaded shared machine.
const BOOT_MS = 180_000;
// Multi-step prompts take seconds each when 8 engineers share 2 cores.
jest.setTimeout(150_000);

function sdk(key: string) {
  return createOpencodeClient({ baseUrl: app.url, headers: { authorization: `Bearer ${key}` } });
}

const answer = (script: Parameters<FakeLlm['enqueueWhen']>[1]) => llm.enqueueWhen((r) => !isTitleRequest(r), script);

beforeAll(async () => {
  llm = await FakeLlm.start({ chunkDelayMs: 0 });
  llm.setDefaultReply(reply().text('Default answer.').stop());
  app = await startTestApp({ OPENCODE_CONFIG_CONTENT: fakeProviderConfig(llm.openaiBaseUrl), PUBLIC_URL: undefined });
  school = await createTenant(app.url, app.adminKey);
  // Share links are off until a school turns them on.
  const on = await request(app.url, 'PATCH', '/admin/tenants/current', {
    key: school.admin.key,
    body: { settings: { shareAllowed: true } },
  });
  if (on.status !== 200) throw new Error(`turn sharing on: ${on.status} ${on.text}`);
}, BOOT_MS);

afterAll(async () => {
  for (const s of streams) s.close();
  await app?.close();
  await llm?.stop();
}, BOOT_MS);

/** Two answered turns: user, assistant(tool), assistant(text), user, assistant(text). */
async function conversation(title: string) {
  const client = sdk(school.admin.key);
  const session = (await client.session.create({ body: { title } })).data!;
  answer(
    reply()
      .tool('todowrite', { todos: [{ content: 'Plan', status: 'pending', priority: 'low' }] })
      .stop(),
  );
  answer(reply().text('Planned.').stop());
  await client.session.prompt({ path: { id: session.id }, body: { parts: [{ type: 'text', text: 'plan' }] } });
  answer(reply().text('Second answer.').stop());
  await client.session.prompt({ path: { id: session.id }, body: { parts: [{ type: 'text', text: 'again' }] } });
  const messages = (await client.session.messages({ path: { id: session.id } })).data!;
  return { client, session, messages };
}

const shape = (list: { info: any; parts: any[] }[]) =>
  list.map((m) => ({
    role: m.info.role,
    parts: m.parts.map(({ id: _i, sessionID: _s, messageID: _m, ...rest }) => rest),
  }));

describe('fork', () => {
  it('copies exactly the messages before messageID, with new ascending ids and remapped parents', async () => {
    const { client, session, messages } = await conversation('Essay');
    expect(messages.map((m) => m.info.role)).toEqual(['user', 'assistant', 'assistant', 'user', 'assistant']);
    const cut = messages[3].info.id;
    const res = await client.session.fork({ path: { id: session.id }, body: { messageID: cut } });
    expect(res.response.status).toBe(200);
    const fork = res.data!;
    expect(fork.id).not.toBe(session.id);
    expect(fork.title).toBe('Essay (fork #1)');
    expect(fork.projectID).toBe(session.projectID);
    expect(fork.directory).toBe(session.directory);
    const copied = (await client.session.messages({ path: { id: fork.id } })).data!;
    expect(shape(copied)).toEqual(shape(messages.slice(0, 3)));
    const ids = copied.map((m) => m.info.id);
    expect([...ids].sort()).toEqual(ids);
    expect(ids.some((id) => messages.some((m) => m.info.id === id))).toBe(false);
    for (const m of copied) {
      expect(m.info.sessionID).toBe(fork.id);
      for (const p of m.parts) expect([p.sessionID, p.messageID]).toEqual([fork.id, m.info.id]);
      if (m.info.role === 'assistant') expect(m.info.parentID).toBe(copied[0].info.id);
    }
    // The original is untouched.
    expect((await client.session.messages({ path: { id: session.id } })).data!.map((m) => m.info.id)).toEqual(
      messages.map((m) => m.info.id),
    );

    const all = (await client.session.fork({ path: { id: session.id } })).data!;
    expect(all.title).toBe('Essay (fork #2)');
    expect(shape((await client.session.messages({ path: { id: all.id } })).data!)).toEqual(shape(messages));
    const ofFork = (await client.session.fork({ path: { id: fork.id } })).data!;
    expect(ofFork.title).toBe('Essay (fork #3)');
  });

  it('guards: bad messageID 400, unknown message 404, other tenants 404', async () => {
    const client = sdk(school.admin.key);
    const session = (await client.session.create({ body: { title: 'guard' } })).data!;
    const key = school.admin.key;
    expect(
      (await request(app.url, 'POST', `/session/${session.id}/fork`, { key, body: { messageID: 42 } })).status,
    ).toBe(400);
    expect(
      (
        await request(app.url, 'POST', `/session/${session.id}/fork`, {
          key,
          body: { messageID: 'msg_000000000000AAAAAAAAAAAAAA' },
        })
      ).status,
    ).toBe(404);
    const other = await createTenant(app.url, app.adminKey);
    const res = await request(app.url, 'POST', `/session/${session.id}/fork`, { key: other.admin.key });
    expect(res.status).toBe(404);
    expect(res.body.name).toBe('NotFoundError');
  });
});

describe('share', () => {
  it('a shared link works without a key, streams live events, and stops at once after unshare', async () => {
    const { client, session, messages } = await conversation('Shared');
    const shared = await client.session.share({ path: { id: session.id } });
    expect(shared.response.status).toBe(200);
    const url = shared.data!.share!.url;
    const match = /^http:\/\/127\.0\.0\.1:\d+\/share\/([A-Za-z0-9_-]{22})$/.exec(url);
    expect(match).not.toBeNull();
    const shareId = match![1];
    // Sharing again keeps the same link.
    expect((await client.session.share({ path: { id: session.id } })).data!.share!.url).toBe(url);

    const page = await request(app.url, 'GET', new URL(url).pathname);
    expect(page.status).toBe(200);
    expect(page.body.session).toMatchObject({ id: session.id, title: 'Shared', share: { url } });
    expect(page.body.session.directory).toBeUndefined();
    expect(page.body.messages.map((m: any) => m.info.id)).toEqual(messages.map((m) => m.info.id));

    const live = await SseClient.open(app.url, `/share/${shareId}/event`);
    streams.push(live);
    expect(live.status).toBe(200);
    await live.waitForType('server.connected', 5000);
    answer(reply().text('Live words.').stop());
    await client.session.prompt({ path: { id: session.id }, body: { parts: [{ type: 'text', text: 'live' }] } });
    await live.waitForType('message.part.updated', 5000, (e) => e.properties.part.text === 'Live words.');
    // A read-only viewer gets no private events of other sessions.
    const elsewhere = (await client.session.create({ body: { title: 'private' } })).data!;
    await client.session.prompt({
      path: { id: elsewhere.id },
      body: { noReply: true, parts: [{ type: 'text', text: 'secret' }] },
    });
    expect(live.events.every((e: any) => !JSON.stringify(e).includes(elsewhere.id))).toBe(true);

    const unshared = await client.session.unshare({ path: { id: session.id } });
    expect(unshared.response.status).toBe(200);
    expect(unshared.data!.share).toBeUndefined();
    await live.waitForEnd(5000);
    expect((await request(app.url, 'GET', `/share/${shareId}`)).status).toBe(404);
    expect((await request(app.url, 'GET', `/share/${shareId}/event`)).status).toBe(404);

    // A new share is a new, different link.
    const again = (await client.session.share({ path: { id: session.id } })).data!.share!.url;
    expect(again).not.toBe(url);
  });

  it('unknown or malformed share ids are 404; sharing needs write access; tenants can forbid it', async () => {
    expect((await request(app.url, 'GET', '/share/AAAAAAAAAAAAAAAAAAAAAA')).status).toBe(404);
    expect((await request(app.url, 'GET', '/share/..%2F..')).status).toBe(404);
    const client = sdk(school.student.key);
    const session = (await client.session.create({ body: { title: 'student' } })).data!;
    const other = await createTenant(app.url, app.adminKey);
    expect((await request(app.url, 'POST', `/session/${session.id}/share`, { key: other.admin.key })).status).toBe(404);

    const shared = (await client.session.share({ path: { id: session.id } })).data!.share!.url;
    const patched = await request(app.url, 'PATCH', `/admin/tenants/${school.id}`, {
      key: app.adminKey,
      body: { settings: { shareAllowed: false } },
    });
    expect(patched.status).toBe(200);
    try {
      const refused = await request(app.url, 'POST', `/session/${session.id}/share`, { key: school.student.key });
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ name: 'ForbiddenError' });
      // Links made before the school turned sharing off stop working too.
      expect((await request(app.url, 'GET', new URL(shared).pathname)).status).toBe(404);
    } finally {
      await request(app.url, 'PATCH', `/admin/tenants/${school.id}`, {
        key: app.adminKey,
        body: { settings: { shareAllowed: true } },
      });
    }
    expect((await request(app.url, 'GET', new URL(shared).pathname)).status).toBe(200);
  });
});
