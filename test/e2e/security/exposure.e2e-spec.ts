import { FakeLlm, isTitleRequest, reply } from '../../fakes/llm';
import { createTenant } from '../../factories/tenant.factory';
import { request } from '../../utils/http';
import { SseClient } from '../../utils/sse-client';
import { startTestApp, type TestApp } from '../../utils/test-app';
import { fakeProviderConfig } from '../../utils/fake-provider-config';
import { createSchool, expectOk, textPrompt, type School } from '../school/school.fixture';

// Sharing and exposure (issue 21 item 5), from the side of whoever should not see: a student publishing a link
// in a school that never agreed to it, an anonymous reader of a link looking for tool output, paths and errors,
// a student reading the config and provider list for keys planted at any depth, a teacher listing the school.

jest.setTimeout(150_000);

// Planted in every layer, at every depth, under innocent and secret-looking names.
const CANARY = {
  platformKey: 'sk-PLATFORM-CANARY-1',
  platformHeader: 'Bearer PLATFORM-HEADER-CANARY',
  platformDeep: 'PLATFORM-DEEP-CANARY',
  tenantToken: 'TENANT-TOKEN-CANARY',
  tenantDeep: 'TENANT-DEEP-CANARY',
  mcpEnv: 'MCP-ENV-CANARY',
  urlSecret: 'URL-QUERY-CANARY',
  agentPrompt: 'AGENT-PROMPT-CANARY',
  toolOutput: 'TOOL-OUTPUT-CANARY',
};

let app: TestApp;
let llm: FakeLlm;
let school: School;
const streams: SseClient[] = [];

const answer = (script: Parameters<FakeLlm['enqueueWhen']>[1]) => llm.enqueueWhen((r) => !isTitleRequest(r), script);

beforeAll(async () => {
  llm = await FakeLlm.start({ chunkDelayMs: 0 });
  llm.setDefaultReply(reply().text('Default answer.').stop());
  const platform = JSON.parse(fakeProviderConfig(llm.openaiBaseUrl)) as Record<string, any>;
  platform.provider.fake.options = {
    ...platform.provider.fake.options,
    apiKey: CANARY.platformKey,
    headers: { 'x-gateway': CANARY.platformHeader },
    gateway: { account: { nested: { innocentName: CANARY.platformDeep } } },
  };
  platform.provider.fake.models['fake-model'].headers = { 'x-model-key': CANARY.platformHeader };
  platform.experimental = { somewhere: { deep: [{ value: CANARY.platformDeep }] } };
  app = await startTestApp({ OPENCODE_CONFIG_CONTENT: JSON.stringify(platform), SANDBOX: 'off' });
  school = await createSchool(app.url, app.adminKey);
  expectOk(
    await school.http.admin.patch('/global/config', {
      body: {
        agent: { tutor: { prompt: CANARY.agentPrompt, description: 'Guides, never solves' } },
        mcp: {
          notes: {
            type: 'remote',
            url: `https://mcp.example.com/sse?token=${CANARY.urlSecret}`,
            headers: { authorization: CANARY.tenantToken },
            enabled: false,
          },
          tool: { type: 'local', command: ['node', 'x.js'], environment: { HIDDEN: CANARY.mcpEnv }, enabled: false },
        },
        experimental: { vendor: { settings: { accessToken: CANARY.tenantToken, note: CANARY.tenantDeep } } },
      },
    }),
    200,
    'plant secrets in the school layer',
  );
});

afterAll(async () => {
  for (const s of streams) s.close();
  await app?.close();
  await llm?.stop();
});

const leaks = (text: string) => Object.values(CANARY).filter((c) => text.includes(c));

describe('share links are off until the school turns them on', () => {
  it('a student of a new school cannot publish; only the school admin turns sharing on, for their school only', async () => {
    const fresh = await createTenant(app.url, app.adminKey);
    const session = expectOk(await fresh.student.http.post('/session', { body: { title: 'mine' } }), 200, 'session');
    const refused = await fresh.student.http.post(`/session/${session.id}/share`);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ name: 'ForbiddenError', data: { code: 'share_disabled' } });

    // Neither the student nor the teacher may turn it on; another school's admin turns on only their own school.
    for (const who of [fresh.student, fresh.teacher])
      expect(
        (await who.http.patch('/admin/tenants/current', { body: { settings: { shareAllowed: true } } })).status,
      ).toBe(403);
    expectOk(
      await school.http.otherTenant.patch('/admin/tenants/current', { body: { settings: { shareAllowed: true } } }),
      200,
      'other school',
    );
    expect((await fresh.student.http.post(`/session/${session.id}/share`)).status).toBe(403);

    const on = expectOk(
      await fresh.admin.http.patch('/admin/tenants/current', { body: { settings: { shareAllowed: true } } }),
      200,
      'school admin turns sharing on',
    );
    expect(on.settings).toMatchObject({ shareAllowed: true });
    expectOk(await fresh.student.http.post(`/session/${session.id}/share`), 200, 'share');
  });

  it('platform settings stay the platform administrator’s: a school admin gets 403 and nothing changes', async () => {
    const fresh = await createTenant(app.url, app.adminKey);
    for (const settings of [{ mcpCommands: ['bash'] }, { bashNetwork: true }, { envProviderKeys: true }]) {
      const res = await fresh.admin.http.patch('/admin/tenants/current', { body: { settings } });
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ name: 'ForbiddenError', data: { code: 'platform_setting' } });
    }
    // A mixed request is refused whole: the allowed key is not written either.
    const mixed = await fresh.admin.http.patch('/admin/tenants/current', {
      body: { settings: { shareAllowed: true, mcpCommands: ['sh'] } },
    });
    expect(mixed.status).toBe(403);
    const current = expectOk(await fresh.admin.http.get('/admin/tenants/current'), 200, 'tenant');
    expect(current.settings.mcpCommands).toBeUndefined();
    expect(current.settings.shareAllowed).toBeUndefined();
    // The platform administrator sets it (it used to be dropped by validation) and bad values are a 400.
    const set = await request(app.url, 'PATCH', `/admin/tenants/${fresh.id}`, {
      key: app.adminKey,
      body: { settings: { mcpCommands: ['node', 'python3'] } },
    });
    expect(set.status).toBe(200);
    expect(set.body.settings.mcpCommands).toEqual(['node', 'python3']);
    const bad = await request(app.url, 'PATCH', `/admin/tenants/${fresh.id}`, {
      key: app.adminKey,
      body: { settings: { mcpCommands: 'node' } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.name).toBe('BadRequest');
  });
});

describe('a shared page shows the conversation, not the machinery', () => {
  async function sharedConversation(details: boolean) {
    expectOk(
      await school.http.admin.patch('/admin/tenants/current', {
        body: { settings: { shareAllowed: true, shareDetails: details } },
      }),
      200,
      'school settings',
    );
    const session = expectOk(await school.http.student.post('/session', { body: { title: 'essay' } }), 200, 'session');
    const link = expectOk(await school.http.student.post(`/session/${session.id}/share`), 200, 'share').share.url;
    const shareId = new URL(link).pathname.split('/').pop()!;
    const live = await SseClient.open(app.url, `/share/${shareId}/event`);
    streams.push(live);
    await live.waitForType('server.connected', 10_000);
    answer(reply().tool('write', { filePath: 'notes.txt', content: CANARY.toolOutput }).stop());
    answer(reply().text('Here is my answer.').stop());
    expectOk(
      await school.http.student.post(`/session/${session.id}/message`, { body: textPrompt('Please help') }),
      200,
      'prompt',
    );
    await live.waitForType('message.part.updated', 10_000, (e) => e.properties.part.text === 'Here is my answer.');
    const page = expectOk(await request(app.url, 'GET', `/share/${shareId}`), 200, 'shared page');
    return { page, live, session };
  }

  it('by default: prompts and answers only — no tool input or output, no host path, live or on the page', async () => {
    const { page, live } = await sharedConversation(false);
    const text = JSON.stringify(page);
    expect(text).toContain('Please help');
    expect(text).toContain('Here is my answer.');
    expect(leaks(text)).toEqual([]);
    expect(text).not.toContain(app.dataDir);
    expect(page.messages.flatMap((m: any) => m.parts.map((p: any) => p.type))).toEqual(['text', 'text']);
    for (const m of page.messages.filter((m: any) => m.info.role === 'assistant'))
      expect(m.info.path).toEqual({ cwd: '.', root: '.' });
    expect(page.session.directory).toBeUndefined();
    expect(page.diff).toEqual([]);

    const streamed = JSON.stringify(live.events);
    expect(streamed).toContain('Here is my answer.');
    expect(leaks(streamed)).toEqual([]);
    expect(streamed).not.toContain(app.dataDir);
    expect(streamed).not.toContain('"type":"tool"');
  });

  it('when the school opts in (shareDetails), tool calls show too; host paths still do not', async () => {
    const { page } = await sharedConversation(true);
    const text = JSON.stringify(page);
    expect(text).toContain(CANARY.toolOutput);
    expect(page.messages.some((m: any) => m.parts.some((p: any) => p.type === 'tool'))).toBe(true);
    for (const m of page.messages.filter((m: any) => m.info.role === 'assistant'))
      expect(m.info.path).toEqual({ cwd: '.', root: '.' });
    expectOk(
      await school.http.admin.patch('/admin/tenants/current', { body: { settings: { shareDetails: false } } }),
      200,
      'back to the default',
    );
  });
});

describe('config and providers never carry secrets', () => {
  it('a student reads an allow-list view of the config: agents, models, limits, nothing planted at any depth', async () => {
    for (const route of ['/config', '/global/config']) {
      const res = expectOk(await school.http.student.get(route), 200, route);
      expect(leaks(JSON.stringify(res))).toEqual([]);
      expect(res.mcp).toBeUndefined();
      expect(res.experimental).toBeUndefined();
      expect(res.permission).toBeUndefined();
      if (route === '/config') {
        expect(res.model).toBe('fake/fake-model');
        expect(res.provider.fake).toEqual({
          name: 'Fake',
          models: { 'fake-model': { name: 'Fake', tool_call: true, limit: { context: 128000, output: 4096 } } },
        });
      }
      expect(res.agent.tutor).toEqual({ description: 'Guides, never solves' });
    }
  });

  it('staff see the whole config with secret values masked wherever they sit', async () => {
    for (const who of ['teacher', 'admin'] as const) {
      const text = JSON.stringify(expectOk(await school.http[who].get('/config'), 200, 'config'));
      // The deep values under innocent names and the agent prompt are not secrets: staff write them.
      const masked = [CANARY.platformKey, CANARY.platformHeader, CANARY.tenantToken, CANARY.mcpEnv, CANARY.urlSecret];
      expect(masked.filter((c) => text.includes(c))).toEqual([]);
      expect(text).toContain('[redacted]');
    }
  });

  it('GET /provider and /config/providers return no options, headers, key or endpoint, to anyone', async () => {
    for (const who of ['student', 'teacher', 'admin', 'platformAdmin'] as const)
      for (const route of ['/provider', '/config/providers']) {
        const res = expectOk(await school.http[who].get(route), 200, route);
        const text = JSON.stringify(res);
        expect(leaks(text)).toEqual([]);
        expect(text).not.toContain(llm.openaiBaseUrl);
        const providers = (res.all ?? res.providers) as any[];
        expect(providers.length).toBeGreaterThan(0);
        for (const p of providers) {
          expect(p.options).toEqual({});
          expect(p.key).toBeUndefined();
          for (const m of Object.values(p.models) as any[]) {
            expect(m.options).toEqual({});
            expect(m.headers).toEqual({});
            expect(m.api.url).toBe('');
          }
        }
      }
  });
});

describe('GET /admin/users', () => {
  it('a teacher lists themselves and the students of the classes they teach, nobody else', async () => {
    const ids = async (who: 'teacher' | 'otherTeacher' | 'admin') =>
      (expectOk(await school.http[who].get('/admin/users'), 200, 'users') as { id: string }[]).map((u) => u.id).sort();
    const u = school.users;
    expect(await ids('teacher')).toEqual([u.teacher.id, u.student.id].sort());
    expect(await ids('otherTeacher')).toEqual([u.otherTeacher.id, u.otherStudent.id].sort());
    expect(await ids('admin')).toEqual(
      expect.arrayContaining([u.admin.id, u.teacher.id, u.otherTeacher.id, u.student.id, u.otherStudent.id]),
    );
    const students = expectOk(await school.http.teacher.get('/admin/users', { query: { role: 'student' } }), 200, 'x');
    expect(students.map((s: { id: string }) => s.id)).toEqual([u.student.id]);
    expect((await school.http.student.get('/admin/users')).status).toBe(403);
  });
});
