import { existsSync } from 'node:fs';
import path from 'node:path';
import { FakeLlm, reply } from '../../fakes/llm';
import { createTenant, type TestTenant } from '../../factories/tenant.factory';
import { fakeProviderConfig } from '../../utils/fake-provider-config';
import { request } from '../../utils/http';
import { parsePrometheus, sumOf } from '../../utils/prom-text';
import { startTestApp, type TestApp } from '../../utils/test-app';
import { chatRequests, isChat, toolNames, toolResults } from '../agent/kit';

// Platform plugins (OpenCode's plugin shape) named by the platform's plugin folder: `guard` rewrites the sampling
// and refuses bash, `toolbox` adds a tool that uses `client` and `$`, `throws` throws in every hook and `hangs`
// never answers. The fake provider shows what each step really sent.

const FIXTURES = path.join(__dirname, '../../fixtures');
const EVIL = path.join(FIXTURES, 'evil-plugin/evil.mjs');
const EVIL_MARK = '/tmp/oc-evil-plugin-loaded';
type LogEntry = { plugin: string; hook: string; project?: string; [k: string]: unknown };
const pluginLog = (): LogEntry[] => ((globalThis as { __ocPluginLog?: LogEntry[] }).__ocPluginLog ??= []);

let app: TestApp;
let llm: FakeLlm;
let school: TestTenant;
let other: TestTenant;

beforeAll(async () => {
  llm = await FakeLlm.start({ chunkDelayMs: 0 });
  llm.setDefaultReply(reply().text('ok').stop());
  app = await startTestApp({
    OPENCODE_CONFIG_CONTENT: fakeProviderConfig(llm.openaiBaseUrl, { permission: { bash: 'allow', edit: 'ask' } }),
    OPENCODE_PLUGIN_DIR: path.join(FIXTURES, 'plugins'),
    // The hanging plugin's calls are abandoned after this (a bound, not a timing this spec measures).
    PLUGIN_HOOK_TIMEOUT_MS: '300',
    SANDBOX: 'required',
  });
  [school, other] = await Promise.all([createTenant(app.url, app.adminKey), createTenant(app.url, app.adminKey)]);
}, 60_000);

afterAll(async () => {
  await app?.close();
  await llm?.stop();
});

async function prompt(tenant: TestTenant, text: string) {
  const session = (await tenant.student.http.post('/session', { body: {} })).body;
  const res = await tenant.student.http.post(`/session/${session.id}/message`, {
    body: { parts: [{ type: 'text', text }] },
  });
  expect(res.status).toBe(200);
  return { session, answer: res.body };
}

describe('a prompt with tool calls through the platform plugins', () => {
  it('runs chat.message, chat.params, tool.execute.before/after and the custom tool; broken plugins do not break it', async () => {
    llm.requests.length = 0;
    llm.enqueueWhen(
      isChat,
      reply()
        .tool('bash', { command: 'echo hi', description: 'say hi' })
        .tool('shout', { word: 'hey', times: 2 })
        .tool('write', { filePath: 'notes.txt', content: 'x' })
        .stop(),
    );
    llm.enqueueWhen(isChat, reply().text('all done').stop());
    const { session, answer } = await prompt(school, 'please shout');

    expect(answer.parts.find((p: { type: string }) => p.type === 'text')?.text).toBe('all done');
    const [first, second] = chatRequests(llm);
    // chat.params: the guard's sampling reached the provider; the hanging and throwing plugins changed nothing.
    expect(first.body.temperature).toBe(0.125);
    expect(first.body.top_p).toBe(0.5);
    // chat.message: the stored user turn is the one the guard marked.
    expect(JSON.stringify(first.body.messages)).toContain('please shout [checked by guard]');
    expect(toolNames(first.body)).toEqual(expect.arrayContaining(['bash', 'shout']));
    const shout = first.body.tools.find((t: { function: { name: string } }) => t.function.name === 'shout');
    expect(shout.function.parameters).toMatchObject({
      type: 'object',
      properties: { word: { type: 'string', description: 'The word to shout' }, times: { type: 'integer' } },
      required: ['word'],
    });

    const results = toolResults(second.body);
    // tool.execute.before refused bash: the model reads the guard's reason, the turn went on.
    expect(results.find((r) => r.includes('guard: bash is not allowed on this platform'))).toBeDefined();
    // permission.ask: the guard refused the open `edit` ask instead of leaving it to the student.
    expect(
      results.find((r) => r.includes('blocked by a permission rule') && r.includes('(edit: notes.txt)')),
    ).toBeDefined();
    expect((await school.student.http.get('/permission')).body).toEqual([]);
    // The custom tool ran with the plugin's client (this server, as the student) and `$` (the sandbox).
    const shouted = results.find((r) => r.includes('HEYHEY'));
    expect(shouted).toContain(`session=${session.id}`);
    expect(shouted).toContain('sandboxed hey');
    expect(shouted).toContain('[audited by guard]');
    const uid = Number(/sandboxed hey\n?\s*(\d+)/.exec(shouted!)?.[1]);
    expect(uid).toBeGreaterThan(0);
    expect(uid).not.toBe(process.getuid?.());

    const seen = pluginLog().filter((e) => e.project === session.projectID);
    expect(seen.map((e) => `${e.plugin}:${e.hook}`)).toEqual(
      expect.arrayContaining([
        'guard:chat.message',
        'guard:chat.params',
        'guard:tool.execute.before',
        'guard:tool.execute.after',
        'guard:permission.ask',
        'guard:event',
        'toolbox:tool',
      ]),
    );
    expect(seen.find((e) => e.plugin === 'toolbox')?.status).toBe(200);
    // The client acted as the student: a key of theirs, named for the plugin, that expires within the hour.
    const keys = (await school.admin.http.get(`/admin/keys?userId=${school.student.id}`)).body;
    const pluginKey = keys.find((k: { name: string }) => k.name === 'plugin toolbox');
    expect(pluginKey).toMatchObject({ userId: school.student.id });
    expect(new Date(pluginKey.expiresAt).getTime() - Date.now()).toBeLessThanOrEqual(60 * 60_000);
    const adminKeys = (await school.admin.http.get(`/admin/keys?userId=${school.admin.id}`)).body;
    expect(adminKeys.map((k: { name: string }) => k.name)).not.toContain('plugin toolbox');
    expect(seen.find((e) => e.hook === 'tool.execute.before' && e.tool === 'shout')?.args).toEqual({
      word: 'hey',
      times: 2,
    });

    // Every failure was counted, by plugin and hook.
    const metrics = parsePrometheus((await request(app.url, 'GET', '/metrics', { key: app.adminKey })).text);
    expect(sumOf(metrics, 'oc_plugin_failures_total', { plugin: 'throws', outcome: 'error' })).toBeGreaterThan(0);
    expect(
      sumOf(metrics, 'oc_plugin_failures_total', { plugin: 'hangs', hook: 'chat.params', outcome: 'timeout' }),
    ).toBeGreaterThan(0);
  });

  it("lists the plugin's custom tool among the school's tool ids", async () => {
    const ids = (await school.student.http.get('/experimental/tool/ids')).body;
    expect(ids).toEqual(expect.arrayContaining(['bash', 'read', 'shout']));
  });
});

describe("a school's own choice of platform plugins", () => {
  it('a school that turned guard and toolbox off gets neither their hooks nor their tool', async () => {
    const res = await other.admin.http.patch('/admin/tenants/current', {
      body: { settings: { plugins: { guard: false, toolbox: false } } },
    });
    expect(res.status).toBe(200);
    expect(res.body.settings.plugins).toEqual({ guard: false, toolbox: false });

    llm.requests.length = 0;
    llm.enqueueWhen(isChat, reply().tool('bash', { command: 'echo plain', description: 'echo' }).stop());
    llm.enqueueWhen(isChat, reply().text('fine').stop());
    const { session } = await prompt(other, 'hello');
    const [first, second] = chatRequests(llm);
    expect(first.body.temperature).not.toBe(0.125);
    expect(toolNames(first.body)).not.toContain('shout');
    expect(toolResults(second.body).join('\n')).toContain('plain');
    expect(toolResults(second.body).join('\n')).not.toContain('guard');
    expect(pluginLog().filter((e) => e.project === session.projectID && e.plugin !== 'throws')).toEqual([]);
    expect((await other.student.http.get('/experimental/tool/ids')).body).not.toContain('shout');
    // The first school is untouched.
    expect((await school.student.http.get('/experimental/tool/ids')).body).toContain('shout');
  });

  it('names only the platform plugins, each true or false (400 in OpenCode error shape)', async () => {
    const unknown = await school.admin.http.patch('/admin/tenants/current', {
      body: { settings: { plugins: { 'left-pad': true } } },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({
      name: 'BadRequest',
      data: { message: 'Unknown plugin: left-pad', code: 'unknown_plugin', plugin: 'left-pad' },
    });
    const notBool = await school.admin.http.patch('/admin/tenants/current', {
      body: { settings: { plugins: { guard: 'off' } } },
    });
    expect(notBool.status).toBe(400);
    expect(notBool.body.name).toBe('BadRequest');
    expect(
      (await school.student.http.patch('/admin/tenants/current', { body: { settings: { plugins: { guard: false } } } }))
        .status,
    ).toBe(403);
  });
});

describe('a school or a project naming plugin code (attacker side)', () => {
  it('a school admin PATCHing the school config with a file or a package gets a 400 and nothing loads', async () => {
    for (const plugin of [[EVIL], [`file://${EVIL}`], ['left-pad'], [['@tarquinen/opencode-dcp', {}]]]) {
      const res = await school.admin.http.patch('/global/config', { body: { plugin } });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ name: 'BadRequest', data: { code: 'plugin_not_allowed' } });
    }
    const teacher = await school.teacher.http.patch('/config', { body: { plugin: [EVIL] } });
    expect(teacher.status).toBe(400);
    expect(teacher.body.data.code).toBe('plugin_not_allowed');
    expect((await school.admin.http.get('/global/config')).body.plugin).toBeUndefined();
    await prompt(school, 'after the attempt');
    expect(existsSync(EVIL_MARK)).toBe(false);
    expect(pluginLog().map((e) => e.plugin)).not.toContain('evil');
  });
});
