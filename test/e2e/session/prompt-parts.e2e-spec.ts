import fs from 'node:fs/promises';
import path from 'node:path';
import { FakeLlm, reply } from '../../fakes/llm';
import { createTenant, type TestTenant, type TestUser } from '../../factories/tenant.factory';
import { fakeProviderConfig } from '../../utils/fake-provider-config';
import { onHost } from '../../utils/host-path';
import { startTestApp, type TestApp } from '../../utils/test-app';
import { isChat } from '../agent/kit';

// Issue 19 item 3: `file://`, `agent` and `subtask` prompt parts do what OpenCode does with them — a file is read
// from the project's workspace (and only from there), an agent mention asks for that subagent, a subtask runs as a
// task. Attacker's side first: traversal, foreign absolute paths, symlinks out, another school's files, denied reads.

let app: TestApp;
let llm: FakeLlm;

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

beforeAll(async () => {
  llm = await FakeLlm.start({ chunkDelayMs: 0 });
  llm.setDefaultReply(reply().text('ok').stop());
  app = await startTestApp({ OPENCODE_CONFIG_CONTENT: fakeProviderConfig(llm.openaiBaseUrl), SANDBOX: 'off' });
});

afterAll(async () => {
  await app?.close();
  await llm?.stop();
});

async function school(config?: Record<string, unknown>): Promise<TestTenant> {
  const s = await createTenant(app.url, app.adminKey);
  if (config) expect((await s.admin.http.patch('/global/config', { body: config })).status).toBe(200);
  return s;
}

/** `dir`: the session's folder as the client was shown it (`/workspace/…`); `host`: where it is on disk. */
async function session(user: TestUser): Promise<{ id: string; dir: string; host: string }> {
  const res = await user.http.post('/session', { body: {} });
  expect(res.status).toBe(200);
  return { id: res.body.id, dir: res.body.directory, host: onHost(app, res.body.directory) };
}

const fileUrl = (p: string) => `file://${p}`;
const filePart = (url: string, mime = 'text/plain') => ({ type: 'file', mime, url, filename: path.basename(url) });

async function send(user: TestUser, id: string, parts: unknown[]) {
  const before = llm.requests.length;
  const res = await user.http.post(`/session/${id}/message`, { body: { parts } });
  return { res, sent: llm.requests.slice(before).filter(isChat) as { body: any; headers: Record<string, unknown> }[] };
}

const messages = async (user: TestUser, id: string) => (await user.http.get(`/session/${id}/message`)).body as any[];

describe('file:// parts, from the attacker side', () => {
  it('traversal, foreign absolute paths, a symlink out and another school’s file are refused; nothing is stored', async () => {
    const s = await school();
    const other = await school();
    const mine = await session(s.student);
    const theirs = await session(other.student);
    await fs.writeFile(path.join(theirs.host, 'secret.txt'), 'other school secret\n');
    await fs.writeFile(path.join(mine.host, '..', 'beside.txt'), 'beside the workspace\n').catch(() => undefined);
    await fs.symlink('/etc/hostname', path.join(mine.host, 'host-link'));
    await fs.symlink(path.join(theirs.host, 'secret.txt'), path.join(mine.host, 'their-link'));
    const urls = [
      fileUrl('/etc/passwd'),
      fileUrl(`${mine.dir}/../beside.txt`),
      `file://${mine.dir}/%2e%2e/beside.txt`,
      fileUrl(path.join(theirs.dir, 'secret.txt')),
      fileUrl(path.join(theirs.host, 'secret.txt')),
      fileUrl(`${mine.host}/../beside.txt`),
      fileUrl(path.join(mine.dir, 'host-link')),
      fileUrl(path.join(mine.dir, 'their-link')),
    ];
    for (const url of urls) {
      const { res } = await send(s.student, mine.id, [{ type: 'text', text: 'read' }, filePart(url)]);
      expect({ url, status: res.status }).toEqual({ url, status: 403 });
      expect(JSON.stringify(res.body)).not.toContain('other school secret');
    }
    expect(await messages(s.student, mine.id)).toEqual([]);
    // A host in the URL and a malformed URL are 400.
    for (const url of ['file://evil.example/etc/passwd', 'file://%zz']) {
      const { res } = await send(s.student, mine.id, [filePart(url)]);
      expect(res.status).toBe(400);
    }
  });

  it('a school rule denying the read refuses the attachment with 403 permission_denied', async () => {
    const s = await school({ permission: { read: { '*': 'allow', 'answers*': 'deny' } } });
    const { id, dir, host } = await session(s.student);
    await fs.writeFile(path.join(host, 'answers.txt'), 'the exam answers\n');
    const { res, sent } = await send(s.student, id, [filePart(fileUrl(path.join(dir, 'answers.txt')))]);
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ name: 'ForbiddenError', data: { code: 'permission_denied' } });
    expect(sent).toHaveLength(0);
  });

  it('a missing file is 404, a binary file 400', async () => {
    const s = await school();
    const { id, dir, host } = await session(s.student);
    expect((await send(s.student, id, [filePart(fileUrl(path.join(dir, 'nope.txt')))])).res.status).toBe(404);
    await fs.writeFile(path.join(host, 'blob.bin'), Buffer.from([0, 1, 2, 0, 255, 0]));
    expect((await send(s.student, id, [filePart(fileUrl(path.join(dir, 'blob.bin')))])).res.status).toBe(400);
  });
});

describe('file:// parts', () => {
  it('a text file (with a line range) is read into the turn as OpenCode does; the part is kept', async () => {
    const s = await school();
    const { id, dir, host } = await session(s.student);
    await fs.writeFile(path.join(host, 'notes.md'), 'line one\nline two\nline three\nline four\n');
    const url = `${fileUrl(path.join(dir, 'notes.md'))}?start=2&end=3`;
    const { res, sent } = await send(s.student, id, [{ type: 'text', text: 'summarise' }, filePart(url)]);
    expect(res.status).toBe(200);
    const user = (await messages(s.student, id)).find((m) => m.info.role === 'user');
    const texts = user.parts.filter((p: any) => p.type === 'text').map((p: any) => p.text);
    expect(texts.some((t: string) => t.startsWith('Called the Read tool with the following input'))).toBe(true);
    const read = texts.find((t: string) => t.includes('<content>'));
    expect(read).toContain('2: line two');
    expect(read).toContain('3: line three');
    expect(read).not.toContain('line four');
    expect(user.parts.find((p: any) => p.type === 'file')).toMatchObject({ url });
    expect(JSON.stringify(sent[0].body.messages)).toContain('2: line two');
  });

  it('a folder is listed; an image is attached inline', async () => {
    const s = await school();
    const { id, dir, host } = await session(s.student);
    await fs.mkdir(path.join(host, 'src'));
    await fs.writeFile(path.join(host, 'src', 'main.ts'), 'export {};\n');
    await fs.writeFile(path.join(host, 'dot.png'), PNG);
    const { res } = await send(s.student, id, [
      filePart(fileUrl(path.join(dir, 'src')), 'application/x-directory'),
      filePart(fileUrl(path.join(dir, 'dot.png')), 'image/png'),
    ]);
    expect(res.status).toBe(200);
    const user = (await messages(s.student, id)).find((m) => m.info.role === 'user');
    expect(JSON.stringify(user.parts)).toContain('main.ts');
    const image = user.parts.find((p: any) => p.type === 'file' && p.mime === 'image/png');
    expect(image.url).toMatch(/^data:image\/png;base64,/);
  });
});

describe('agent and subtask parts', () => {
  it('an agent part asks the model to delegate to that subagent', async () => {
    const s = await school();
    const { id } = await session(s.student);
    const { res, sent } = await send(s.student, id, [
      { type: 'text', text: 'look into the tests' },
      { type: 'agent', name: 'explore' },
    ]);
    expect(res.status).toBe(200);
    expect(JSON.stringify(sent[0].body.messages)).toContain('call the task tool with subagent: explore');
    const user = (await messages(s.student, id)).find((m) => m.info.role === 'user');
    expect(user.parts.map((p: any) => p.type)).toEqual(['text', 'agent', 'text']);
  });

  it('a subtask part runs as a task in a child session before the model answers', async () => {
    const s = await school();
    const { id } = await session(s.student);
    const child = (r: { headers: Record<string, unknown> }) => r.headers['x-parent-session-id'] === id;
    llm.enqueueWhen((r) => isChat(r) && child(r), reply().text('found three tests').stop());
    llm.enqueueWhen((r) => isChat(r) && !child(r), reply().text('the subagent found three tests').stop());
    const { res, sent } = await send(s.student, id, [
      { type: 'subtask', prompt: 'count the tests', description: 'Count tests', agent: 'explore' },
    ]);
    expect(res.status).toBe(200);
    expect(sent.filter(child)).toHaveLength(1);
    const task = (await messages(s.student, id))
      .flatMap((m) => m.parts)
      .find((p: any) => p.type === 'tool' && p.tool === 'task');
    expect(task.state.status).toBe('completed');
    expect(task.state.output).toContain('found three tests');
    expect((await s.student.http.get(`/session/${id}/children`)).body).toHaveLength(1);
    expect(res.body.parts.find((p: any) => p.type === 'text').text).toBe('the subagent found three tests');
  });

  it('a subtask where the school denies task runs nothing: no child session, the call fails', async () => {
    const s = await school({ permission: { task: 'deny' } });
    const { id } = await session(s.student);
    const { res } = await send(s.student, id, [
      { type: 'subtask', prompt: 'count the tests', description: 'Count tests', agent: 'explore' },
    ]);
    expect(res.status).toBe(200);
    expect((await s.student.http.get(`/session/${id}/children`)).body).toEqual([]);
    const tools = (await messages(s.student, id)).flatMap((m) => m.parts).filter((p: any) => p.type === 'tool');
    expect(tools.length).toBeGreaterThan(0);
    // task is hidden from the agent: the call finds no tool (the `invalid` tool answers), nothing is delegated.
    expect(tools[0].state.output).toContain('Unknown tool "task"');
    expect(JSON.stringify(tools)).not.toContain('<task id=');
  });
});
