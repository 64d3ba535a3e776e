import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FakeLlm, reply } from '../../fakes/llm';
import { createTenant, type TestTenant } from '../../factories/tenant.factory';
import { fakeProviderConfig } from '../../utils/fake-provider-config';
import { request } from '../../utils/http';
import { parsePrometheus, sumOf } from '../../utils/prom-text';
import { startTestApp, type TestApp } from '../../utils/test-app';
import { chatRequests, isChat, systemText, toolNames, toolResults } from '../agent/kit';

// A published OpenCode plugin, unchanged: @tarquinen/opencode-dcp (pinned in package.json), named by its npm name in
// the platform config. Its own settings live where it reads them (XDG_CONFIG_HOME/opencode/dcp.jsonc); the
// platform turns its update check off there, so it needs no network.

const PLUGIN = '@tarquinen/opencode-dcp';
let app: TestApp;
let llm: FakeLlm;
let school: TestTenant;
let home: string;
const saved = { XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME, XDG_DATA_HOME: process.env.XDG_DATA_HOME };

beforeAll(async () => {
  home = await fs.mkdtemp(path.join(os.tmpdir(), 'oc-dcp-'));
  await fs.mkdir(path.join(home, 'config/opencode'), { recursive: true });
  await fs.writeFile(path.join(home, 'config/opencode/dcp.jsonc'), JSON.stringify({ autoUpdate: false }));
  process.env.XDG_CONFIG_HOME = path.join(home, 'config');
  process.env.XDG_DATA_HOME = path.join(home, 'data');
  llm = await FakeLlm.start({ chunkDelayMs: 0 });
  llm.setDefaultReply(reply().text('ok').stop());
  app = await startTestApp({
    OPENCODE_CONFIG_CONTENT: fakeProviderConfig(llm.openaiBaseUrl, { plugin: [PLUGIN], permission: { bash: 'allow' } }),
    SANDBOX: 'required',
  });
  school = await createTenant(app.url, app.adminKey);
}, 60_000);

afterAll(async () => {
  await app?.close();
  await llm?.stop();
  Object.assign(process.env, saved);
  await fs.rm(home, { recursive: true, force: true });
});

it('loads by its npm name, offers its compress tool, shapes the system prompt and history, with no failure counted', async () => {
  expect((await school.student.http.get('/experimental/tool/ids')).body).toContain('compress');
  const session = (await school.student.http.post('/session', { body: {} })).body;
  llm.requests.length = 0;
  llm.enqueueWhen(isChat, reply().tool('bash', { command: 'echo from-bash', description: 'echo' }).stop());
  llm.enqueueWhen(isChat, reply().text('done').stop());
  const res = await school.student.http.post(`/session/${session.id}/message`, {
    body: { parts: [{ type: 'text', text: 'run echo' }] },
  });
  expect(res.status).toBe(200);
  const [first, second] = chatRequests(llm);
  expect(toolNames(first.body)).toContain('compress');
  expect(toolResults(second.body).join('\n')).toContain('from-bash');

  // Its system and history transforms shaped what the model read: its instructions, its message ids.
  expect(systemText(first.body)).toContain('<dcp-system-reminder>');
  const sent = JSON.stringify(second.body.messages);
  expect(sent).toContain('run echo\\n\\n<dcp-message-id>m0001</dcp-message-id>');
  expect(sent).toContain('<dcp-message-id>m0002</dcp-message-id>');
  // What is stored is the conversation itself: the plugin changed a copy.
  const stored = JSON.stringify((await school.student.http.get(`/session/${session.id}/message`)).body);
  expect(stored).toContain('run echo');
  expect(stored).not.toContain('dcp-message-id');
  const metrics = parsePrometheus((await request(app.url, 'GET', '/metrics', { key: app.adminKey })).text);
  expect(sumOf(metrics, 'oc_plugin_failures_total', { plugin: PLUGIN })).toBe(0);
});
