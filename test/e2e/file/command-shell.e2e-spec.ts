import fs from 'node:fs/promises';
import path from 'node:path';
import { FakeLlm, reply } from '../../fakes/llm';
import { createTenant, createUser, type TestTenant } from '../../factories/tenant.factory';
import { SseClient } from '../../utils/sse-client';
import { onHost } from '../../utils/host-path';
import { startTestApp, type TestApp } from '../../utils/test-app';
import { chatRequests, isChat } from '../agent/kit';
import { fakeProviderConfig } from '../../utils/fake-provider-config';
import { waitUntil } from '../../utils/wait-until';
import { createProject } from '../../utils/project';

// GET /command, POST /session/{id}/command and POST /session/{id}/shell, with the real sandbox.

let app: TestApp;
let llm: FakeLlm;
let school: TestTenant;
const streams: SseClient[] = [];

const commands = {
  greet: {
    description: 'greet people',
    template: 'Greet $1 then $2. Shell says: !`echo from-shell-$((40+2))`. Read @notes.md and @../../../etc/passwd.',
  },
  echoargs: { template: 'Args: $ARGUMENTS' },
  plain: { template: 'No placeholders here' },
};

beforeAll(async () => {
  llm = await FakeLlm.start({ chunkDelayMs: 0 });
  llm.setDefaultReply(reply().text('ok').stop());
  app = await startTestApp({
    OPENCODE_CONFIG_CONTENT: fakeProviderConfig(llm.openaiBaseUrl, { command: commands }),
    SANDBOX: 'required',
  });
  school = await createTenant(app.url, app.adminKey);
  const worktree = onHost(app, (await createProject(school.student.http)).worktree);
  await fs.writeFile(path.join(worktree, 'notes.md'), 'the notes body\n');
}, 60_000);

afterAll(async () => {
  for (const s of streams) s.close();
  await app?.close();
  await llm?.stop();
});

async function newSession(key = school.student) {
  return (await key.http.post('/session', { body: {} })).body.id as string;
}

describe('GET /command', () => {
  it('lists the built-in init and review commands and the config commands with their hints', async () => {
    const res = await school.student.http.get('/command');
    expect(res.status).toBe(200);
    const byName = Object.fromEntries(res.body.map((c: any) => [c.name, c]));
    expect(Object.keys(byName)).toEqual(expect.arrayContaining(['init', 'review', 'greet', 'echoargs', 'plain']));
    expect(byName.init).toMatchObject({ source: 'command', hints: ['$ARGUMENTS'] });
    expect(byName.init.template).toContain('AGENTS.md');
    expect(byName.greet).toEqual({
      name: 'greet',
      description: 'greet people',
      source: 'command',
      template: commands.greet.template,
      hints: ['$1', '$2'],
    });
    expect(byName.plain.hints).toEqual([]);
  });
});

describe('POST /session/{id}/command', () => {
  it('expands $1..$n, runs !`cmd` in the sandbox, attaches @file parts inside the workspace only', async () => {
    const id = await newSession();
    llm.requests.length = 0;
    llm.enqueueWhen(isChat, reply().text('greeted').stop());
    const res = await school.student.http.post(`/session/${id}/command`, {
      body: { command: 'greet', arguments: 'Ann "Bob Carl" Dee' },
    });
    expect(res.status).toBe(200);
    expect(res.body.info).toMatchObject({ role: 'assistant', sessionID: id });
    expect(res.body.parts.find((p: any) => p.type === 'text').text).toBe('greeted');
    const msgs = (await school.student.http.get(`/session/${id}/message`)).body;
    const user = msgs.find((m: any) => m.info.role === 'user');
    const text = user.parts.find((p: any) => p.type === 'text').text;
    expect(text).toBe(
      'Greet Ann then Bob Carl Dee. Shell says: from-shell-42. Read @notes.md and @../../../etc/passwd.',
    );
    const files = user.parts.filter((p: any) => p.type === 'file');
    expect(files).toHaveLength(1);
    expect(files[0]).toMatchObject({
      filename: 'notes.md',
      mime: 'text/markdown',
      source: {
        type: 'file',
        path: 'notes.md',
        text: { value: '@notes.md', start: text.indexOf('@notes.md'), end: text.indexOf('@notes.md') + 9 },
      },
    });
    expect(Buffer.from(files[0].url.split(',')[1], 'base64').toString()).toBe('the notes body\n');
    const sent = JSON.stringify(chatRequests(llm).at(-1)!.body);
    expect(sent).toContain('from-shell-42');
    expect(sent).not.toContain('root:x:0:0');
  });

  it('$ARGUMENTS takes the raw arguments; a template without placeholders gets them appended', async () => {
    const id = await newSession();
    await school.student.http.post(`/session/${id}/command`, {
      body: { command: 'echoargs', arguments: 'one two  three' },
    });
    await school.student.http.post(`/session/${id}/command`, { body: { command: 'plain', arguments: 'extra words' } });
    const texts = (await school.student.http.get(`/session/${id}/message`)).body
      .filter((m: any) => m.info.role === 'user')
      .map((m: any) => m.parts.find((p: any) => p.type === 'text').text);
    expect(texts).toEqual(['Args: one two  three', 'No placeholders here\n\nextra words']);
  });

  it("refuses unknown commands, bad bodies and other students' sessions", async () => {
    const id = await newSession();
    const unknown = await school.student.http.post(`/session/${id}/command`, {
      body: { command: 'nope', arguments: '' },
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ name: 'NotFoundError', data: { message: 'Command not found: nope' } });
    const bad = await school.student.http.post(`/session/${id}/command`, { body: { command: 'greet' } });
    expect(bad.status).toBe(400);
    expect(bad.body.name).toBe('BadRequest');
    const badModel = await school.student.http.post(`/session/${id}/command`, {
      body: { command: 'greet', arguments: '', model: 'nomodel' },
    });
    expect(badModel.status).toBe(400);
    const classmate = await createUser(app.url, school.admin.key, 'student');
    const foreign = await classmate.http.post(`/session/${id}/command`, { body: { command: 'plain', arguments: '' } });
    expect(foreign.status).toBe(404);
  });
});

describe('POST /session/{id}/shell', () => {
  it('records a synthetic user turn and a bash tool part; output streams into metadata while running', async () => {
    const id = await newSession();
    const sse = await SseClient.open(app.url, `/event?sessionID=${id}`, {
      headers: { authorization: `Bearer ${school.student.key}` },
    });
    streams.push(sse);
    const res = await school.student.http.post(`/session/${id}/shell`, {
      body: { agent: 'build', command: 'for i in 1 2 3; do echo line$i; sleep 0.4; done; pwd; echo $TERM' },
    });
    expect(res.status).toBe(200);
    expect(res.body.info).toMatchObject({
      role: 'assistant',
      sessionID: id,
      agent: 'build',
      providerID: 'fake',
      modelID: 'fake-model',
    });
    expect(res.body.info.time.completed).toBeGreaterThan(0);
    const part = res.body.parts[0];
    expect(part).toMatchObject({
      type: 'tool',
      tool: 'bash',
      state: {
        status: 'completed',
        input: { command: expect.stringContaining('line$i') },
        metadata: { exit: 0, sandboxed: true },
      },
    });
    expect(part.state.output).toMatch(/line1\nline2\nline3\n.+\ndumb/);
    const running = sse.events.filter(
      (e: any) =>
        e.type === 'message.part.updated' &&
        e.properties.part.id === part.id &&
        e.properties.part.state.status === 'running',
    );
    const partial = running
      .map((e: any) => e.properties.part.state.metadata.output as string)
      .filter((o) => o.includes('line1') && !o.includes('line3'));
    expect(partial.length).toBeGreaterThan(0);
    const msgs = (await school.student.http.get(`/session/${id}/message`)).body;
    expect(msgs.map((m: any) => m.info.role)).toEqual(['user', 'assistant']);
    expect(msgs[0].parts[0]).toMatchObject({
      type: 'text',
      synthetic: true,
      text: 'The following tool was executed by the user',
    });
    expect(msgs[1].info.parentID).toBe(msgs[0].info.id);
  });

  it('answers 409 SessionBusyError while a command runs, and the session works again afterwards', async () => {
    const id = await newSession();
    const first = school.student.http.post(`/session/${id}/shell`, {
      body: { agent: 'build', command: 'sleep 2; echo first' },
    });
    await waitUntil(
      'the first command to make the session busy',
      async () => (await school.student.http.get('/session/status')).body,
      (status) => Boolean(status[id]),
    );
    const second = await school.student.http.post(`/session/${id}/shell`, {
      body: { agent: 'build', command: 'echo second' },
    });
    expect(second.status).toBe(409);
    expect(second.body.name).toBe('SessionBusyError');
    expect((await first).body.parts[0].state.output).toContain('first');
    const third = await school.student.http.post(`/session/${id}/shell`, {
      body: { agent: 'build', command: 'exit 3' },
    });
    expect(third.body.parts[0].state.metadata.exit).toBe(3);
  });

  it("validates the body and hides other users' sessions", async () => {
    const id = await newSession();
    expect((await school.student.http.post(`/session/${id}/shell`, { body: { command: 'ls' } })).status).toBe(400);
    expect(
      (
        await school.student.http.post(`/session/${id}/shell`, {
          body: { agent: 'build', command: 'ls', messageID: 'bad' },
        })
      ).status,
    ).toBe(400);
    expect(
      (await school.student.http.post(`/session/${id}/shell`, { body: { agent: 'nope', command: 'ls' } })).status,
    ).toBe(404);
    const classmate = await createUser(app.url, school.admin.key, 'student');
    expect(
      (await classmate.http.post(`/session/${id}/shell`, { body: { agent: 'build', command: 'ls' } })).status,
    ).toBe(404);
    expect(
      (await school.student.http.post('/session/ses_missing/shell', { body: { agent: 'build', command: 'ls' } }))
        .status,
    ).toBe(404);
  });
});
