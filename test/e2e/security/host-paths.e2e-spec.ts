import { realpathSync } from 'node:fs';
import path from 'node:path';
import { FakeLlm, reply } from '../../fakes/llm';
import { request, type Client } from '../../utils/http';
import { SseClient } from '../../utils/sse-client';
import { startTestApp, type TestApp } from '../../utils/test-app';
import { waitUntil } from '../../utils/wait-until';
import {
  createSchool,
  expectOk,
  isTitleRequest,
  pricedProviderConfig,
  textPrompt,
  type School,
} from '../school/school.fixture';

// The server's paths from the attacker's side: a student (and their teacher) calls every GET operation of the
// OpenAPI document, runs a turn whose tools write, read and `pwd` by host path, and listens to /event and
// /global/event. No answer, error or event may carry the data directory, the workspace root or the tenant's folder;
// what they are shown instead (`/workspace/<slug>`) must work as `?directory=`, as `x-opencode-directory`, and as a
// file path. A platform administrator still sees the host.

jest.setTimeout(180_000);

let app: TestApp;
let llm: FakeLlm;
let school: School;
let hostRoot: string;
let virtualRoot: string;
let sessionId: string;
let shareUrl: string;

/** Every spelling of a host path that must not reach a school's user. */
function forbidden(): string[] {
  const roots = [app.dataDir, app.config.workspaceRoot, app.config.dataDir];
  const all = new Set<string>();
  for (const r of roots) {
    all.add(path.resolve(r));
    try {
      all.add(realpathSync(r));
    } catch {
      // not created
    }
  }
  return [...all, `/${school.tenantId}/`];
}

function leaks(text: string): string[] {
  return forbidden().filter((f) => text.includes(f));
}

const isChat = (r: { rawBody: string }) => !isTitleRequest(r as never);

beforeAll(async () => {
  llm = await FakeLlm.start({ chunkDelayMs: 0 });
  llm.setDefaultReply(reply().text('ok').usage({ input: 10, output: 5 }).stop());
  app = await startTestApp({
    OPENCODE_CONFIG_CONTENT: pricedProviderConfig(llm.openaiBaseUrl, {
      permission: { bash: 'allow', edit: 'allow', read: 'allow' },
    }),
    SANDBOX: 'off',
    LIMIT_REQUESTS_PER_MINUTE: '100000',
  });
  school = await createSchool(app.url, app.adminKey);
  const slug = `${school.users.student.id}--default`;
  hostRoot = path.join(app.config.workspaceRoot, school.tenantId, slug);
  virtualRoot = `/workspace/${slug}`;
}, 60_000);

afterAll(async () => {
  await app?.close();
  await llm?.stop();
});

describe('host paths never reach a school’s users', () => {
  let event: SseClient;
  let global: SseClient;

  it('a turn whose tools use host paths leaves no host path in answers or events', async () => {
    event = await SseClient.open(app.url, '/event', { key: school.users.student.key });
    global = await SseClient.open(app.url, '/global/event', { key: school.users.student.key });
    const teacherEvents = await SseClient.open(app.url, '/event', { key: school.users.teacher.key });
    const session = expectOk(await school.http.student.post('/session', { body: {} }), 200, 'session');
    sessionId = session.id;
    expect(session.directory).toBe(virtualRoot);
    // The model knows the host path (its system prompt carries it) and uses it, as a real one would.
    const file = path.join(hostRoot, 'notes.txt');
    llm.enqueueWhen(
      isChat,
      reply()
        .tool('write', { filePath: file, content: `hello from ${hostRoot}\n` })
        .stop(),
    );
    llm.enqueueWhen(isChat, reply().tool('read', { filePath: file }).stop());
    llm.enqueueWhen(isChat, reply().tool('bash', { command: 'pwd; ls "$PWD"', description: 'where' }).stop());
    llm.enqueueWhen(isChat, reply().text(`Done in ${hostRoot}.`).stop());
    const answer = await school.http.student.post(`/session/${session.id}/message`, { body: textPrompt('go') });
    expect(answer.status).toBe(200);
    expect(leaks(answer.text)).toEqual([]);
    const messages = expectOk(await school.http.student.get(`/session/${session.id}/message`), 200, 'messages');
    const tools = messages.flatMap((m: any) => m.parts).filter((p: any) => p.type === 'tool');
    expect(tools.map((t: any) => [t.tool, t.state.status])).toEqual([
      ['write', 'completed'],
      ['read', 'completed'],
      ['bash', 'completed'],
    ]);
    // Shown under the virtual root, consistently.
    expect(tools[0].state.input.filePath).toBe(`${virtualRoot}/notes.txt`);
    expect(tools[2].state.output).toContain(virtualRoot);
    await waitUntil(
      'the turn’s events',
      () => event.rawText.includes('"session.idle"') || event.rawText.includes('idle'),
    );
    await waitUntil('the teacher saw the turn', () => teacherEvents.rawText.includes('notes.txt'));
    // A terminal reports its working directory.
    const pty = expectOk(await school.http.student.post('/pty', { body: { cwd: `${virtualRoot}` } }), 200, 'pty');
    expect(pty.cwd).toBe(virtualRoot);
    expectOk(await school.http.student.delete(`/pty/${pty.id}`), 200, 'pty removed');
    for (const s of [event, global, teacherEvents]) expect(leaks(s.rawText)).toEqual([]);
    expect(event.rawText).toContain(virtualRoot);
    teacherEvents.close();
  });

  it('every GET operation, as the student and as their teacher, answers without a host path', async () => {
    const doc = expectOk(await request(app.url, 'GET', '/doc'), 200, 'doc');
    const project = expectOk(await school.http.student.get('/project/current'), 200, 'project');
    const messages = expectOk(await school.http.student.get(`/session/${sessionId}/message`), 200, 'messages');
    const ids: Record<string, string> = {
      sessionID: sessionId,
      projectID: project.id,
      messageID: messages[messages.length - 1].info.id,
      partID: messages[messages.length - 1].parts[0].id,
    };
    const checked: string[] = [];
    for (const [route, ops] of Object.entries<any>(doc.paths)) {
      if (!ops.get || /event$|\/connect$/.test(route)) continue;
      const params = [...route.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      if (params.some((p) => !ids[p])) continue;
      const url = route.replace(/\{(\w+)\}/g, (_, p: string) => ids[p]);
      const query = new URLSearchParams({
        directory: virtualRoot,
        path: route === '/file/content' ? 'notes.txt' : '.',
        pattern: 'hello',
        query: 'notes',
      });
      for (const [who, as] of [
        ['student', school.http.student],
        ['teacher', school.http.teacher],
      ] as [string, Client][]) {
        const res = await as.get(`${url}?${query}`);
        expect([route, who, res.status < 500]).toEqual([route, who, true]);
        expect([route, who, leaks(res.text)]).toEqual([route, who, []]);
      }
      checked.push(route);
    }
    expect(checked).toEqual(expect.arrayContaining(['/path', '/project', '/session', '/file', '/find/file', '/pty']));
    expect(checked.length).toBeGreaterThan(40);
  });

  it('the paths shown work as input: ?directory=, x-opencode-directory, file paths', async () => {
    const paths = expectOk(await school.http.student.get('/path'), 200, 'path');
    expect(paths).toMatchObject({ directory: virtualRoot, worktree: virtualRoot, home: virtualRoot });
    expect(paths.state.startsWith('/opencode')).toBe(true);
    const current = expectOk(await school.http.student.get('/project/current'), 200, 'current');
    expect(current.worktree).toBe(virtualRoot);
    const viaQuery = expectOk(
      await school.http.student.get(`/project/current?directory=${encodeURIComponent(virtualRoot)}`),
      200,
      'by query',
    );
    const viaHeader = expectOk(
      await school.http.student.post('/session', {
        body: {},
        headers: { 'x-opencode-directory': encodeURIComponent(`${virtualRoot}/src`) },
      }),
      200,
      'by header',
    );
    expect([viaQuery.id, viaHeader.projectID]).toEqual([current.id, current.id]);
    const content = expectOk(
      await school.http.student.get(`/file/content?path=${encodeURIComponent(`${virtualRoot}/notes.txt`)}`),
      200,
      'file by virtual path',
    );
    expect(content.content).toBe(`hello from ${virtualRoot}\n`);
    // The teacher reaches the student's project by the path they were shown.
    const teacher = expectOk(
      await school.http.teacher.get(`/file?directory=${encodeURIComponent(virtualRoot)}&path=.`),
      200,
      'teacher list',
    );
    expect(teacher.map((n: any) => n.name)).toContain('notes.txt');
    // Leaving the project through the virtual root is still leaving it.
    const escape = await school.http.student.get(`/file/content?path=${encodeURIComponent(`${virtualRoot}/../x`)}`);
    expect(escape.status).toBe(403);
    // Another user's virtual root is another user's project: 404, like its host path.
    const other = `/workspace/${school.users.otherStudent.id}--default`;
    expect((await school.http.student.get(`/file?directory=${encodeURIComponent(other)}&path=.`)).status).toBe(404);
    // A client's own `/workspace/app` (a container's cwd) is still a project name, not a lookup.
    const named = expectOk(
      await school.http.student.get(`/project/current?directory=${encodeURIComponent('/workspace/app')}`),
      200,
      'named',
    );
    expect(named.worktree).toBe(`/workspace/${school.users.student.id}--app`);
  });

  it('a public share with tool details shows no host path, on the page or its stream', async () => {
    expectOk(
      await school.http.admin.patch('/admin/tenants/current', {
        body: { settings: { shareAllowed: true, shareDetails: true } },
      }),
      200,
      'sharing on',
    );
    const shared = expectOk(await school.http.student.post(`/session/${sessionId}/share`), 200, 'share');
    shareUrl = new URL(shared.share.url).pathname;
    const page = await request(app.url, 'GET', shareUrl);
    expect(page.status).toBe(200);
    expect(page.text).toContain('notes.txt');
    expect(leaks(page.text)).toEqual([]);
    const live = await SseClient.open(app.url, `${shareUrl}/event`);
    expect(live.status).toBe(200);
    llm.enqueueWhen(
      isChat,
      reply()
        .tool('read', { filePath: path.join(hostRoot, 'notes.txt') })
        .stop(),
    );
    llm.enqueueWhen(isChat, reply().text('again').stop());
    expectOk(
      await school.http.student.post(`/session/${sessionId}/message`, { body: textPrompt('again') }),
      200,
      'again',
    );
    await waitUntil('the shared tool call', () => live.rawText.includes('notes.txt'));
    expect(leaks(live.rawText)).toEqual([]);
    live.close();
  });

  it('a platform administrator sees the host as it is', async () => {
    const paths = expectOk(await school.http.platformAdmin.get('/path'), 200, 'path');
    expect(path.isAbsolute(paths.directory)).toBe(true);
    expect(paths.directory.startsWith(path.resolve(app.config.workspaceRoot))).toBe(true);
    for (const s of [event, global]) s.close();
  });
});
