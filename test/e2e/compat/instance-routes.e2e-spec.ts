import { createOpencodeClient } from '@opencode-ai/sdk';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { newId } from '../../../src/core/ids';
import { FakeLlm, reply } from '../../fakes/llm';
import { createTenant, type TestTenant } from '../../factories/tenant.factory';
import { fakeProviderConfig } from '../../utils/fake-provider-config';
import { onHost } from '../../utils/host-path';
import { startTestApp, type TestApp } from '../../utils/test-app';

// The classic routes issue 19 added, doing what they say (the role × route matrix holds who may call them):
// session.init and instance.dispose through OpenCode's own SDK, git init, the raw diff applied back, worktrees
// (create, list, reset, remove), project copies, the cross-project session list, and the typed 400 of the groups
// that mean nothing on a hosted server. SANDBOX=off: git runs as the test's user on both sides (the sandbox's own
// confinement is the escape specs' business).

jest.setTimeout(180_000);

let app: TestApp;
let llm: FakeLlm;
let school: TestTenant;
let other: TestTenant;
/** The project folder on the host (the test looks at the disk and runs git there)… */
let worktree: string;
/** …and as the API shows it to the student. */
let shown: string;

const git = (...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: worktree, encoding: 'utf8' });

beforeAll(async () => {
  llm = await FakeLlm.start({ chunkDelayMs: 0 });
  llm.setDefaultReply(reply().text('AGENTS.md written').stop());
  app = await startTestApp({ OPENCODE_CONFIG_CONTENT: fakeProviderConfig(llm.openaiBaseUrl), SANDBOX: 'off' });
  school = await createTenant(app.url, app.adminKey);
  other = await createTenant(app.url, app.adminKey);
  shown = (await school.student.http.post('/project/git/init', { query: { directory: 'repo' } })).body.worktree;
  worktree = onHost(app, shown);
});

afterAll(async () => {
  await app?.close();
  await llm?.stop();
});

describe('through the OpenCode SDK', () => {
  const sdk = () =>
    createOpencodeClient({ baseUrl: app.url, headers: { authorization: `Bearer ${school.student.key}` } });

  it('session.init runs the init command as a prompt with the given model and answers true', async () => {
    const session = (await sdk().session.create({ body: { title: 'init' }, query: { directory: 'repo' } })).data!;
    const before = llm.requests.length;
    const res = await sdk().session.init({
      path: { id: session.id },
      body: { providerID: 'fake', modelID: 'fake-model', messageID: newId('message') },
    });
    expect(res.response.status).toBe(200);
    expect(res.data).toBe(true);
    const sent = JSON.stringify(llm.requests.slice(before).map((r) => r.body));
    expect(sent).toContain('AGENTS.md');
    const messages = (await sdk().session.messages({ path: { id: session.id } })).data!;
    expect(messages.map((m) => m.info.role)).toEqual(['user', 'assistant']);
  });

  it('instance.dispose answers true and the project answers as before', async () => {
    const res = await sdk().instance.dispose({ query: { directory: 'repo' } });
    expect(res.data).toBe(true);
    const again = await school.student.http.get('/project/current', { query: { directory: 'repo' } });
    expect(again.body).toMatchObject({ worktree: shown, vcs: 'git' });
  });
});

describe('version control', () => {
  it('git init made the project a repository and says so', async () => {
    expect((await fs.lstat(path.join(worktree, '.git'))).isDirectory()).toBe(true);
    const again = await school.student.http.post('/project/git/init', { query: { directory: 'repo' } });
    expect(again.status).toBe(200);
    expect(again.body.vcs).toBe('git');
  });

  it('the raw diff holds tracked and untracked changes, and applying it back restores them', async () => {
    await fs.writeFile(path.join(worktree, 'a.txt'), 'one\ntwo\n');
    git('add', 'a.txt');
    git('commit', '-qm', 'first');
    await fs.writeFile(path.join(worktree, 'a.txt'), 'one\nTWO\n');
    await fs.writeFile(path.join(worktree, 'new.txt'), 'fresh');
    const raw = await school.student.http.get('/vcs/diff/raw', { query: { directory: 'repo' } });
    expect(raw.status).toBe(200);
    expect(raw.headers.get('content-type')).toContain('text/x-diff');
    expect(raw.text).toContain('+TWO');
    expect(raw.text).toContain('+++ b/new.txt');

    git('checkout', '--', 'a.txt');
    await fs.rm(path.join(worktree, 'new.txt'));
    const applied = await school.student.http.post('/vcs/apply', {
      query: { directory: 'repo' },
      body: { patch: raw.text },
    });
    expect(applied.body).toEqual({ applied: true });
    expect(await fs.readFile(path.join(worktree, 'a.txt'), 'utf8')).toBe('one\nTWO\n');
    expect(await fs.readFile(path.join(worktree, 'new.txt'), 'utf8')).toBe('fresh');
    expect((await fs.readdir(path.join(worktree, '.git'))).filter((f) => f.startsWith('oc-apply-'))).toEqual([]);

    const again = await school.student.http.post('/vcs/apply', {
      query: { directory: 'repo' },
      body: { patch: raw.text },
    });
    expect(again.status).toBe(400);
    expect(again.body).toMatchObject({ name: 'VcsApplyError', data: { reason: 'not-clean' } });
  });

  it('a project that is not a repository: apply is a typed 400, the raw diff empty', async () => {
    const plain = await school.student.http.get('/vcs/diff/raw', { query: { directory: 'plain' } });
    expect(plain.text).toBe('');
    const res = await school.student.http.post('/vcs/apply', { query: { directory: 'plain' }, body: { patch: 'x' } });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ name: 'VcsApplyError', data: { reason: 'non-git' } });
  });
});

describe('worktrees and project copies', () => {
  const http = () => school.student.http;
  const q = { directory: 'repo' };

  it('creates a worktree on its own branch inside the workspace, lists it, resets and removes it', async () => {
    const created = await http().post('/experimental/worktree', { query: q, body: { name: 'side' } });
    expect(created.status).toBe(200);
    const dir = path.join(worktree, '.worktrees', 'side');
    const dirShown = `${shown}/.worktrees/side`;
    expect(created.body).toEqual({ name: 'side', branch: 'opencode/side', directory: dirShown });
    expect(await fs.readFile(path.join(dir, 'a.txt'), 'utf8')).toBe('one\ntwo\n');
    expect((await http().get('/experimental/worktree', { query: q })).body).toEqual([dirShown]);
    // The main checkout does not see the worktree folder as a change.
    expect(git('status', '--porcelain')).not.toContain('.worktrees');

    const project = (await http().get('/project/current', { query: q })).body;
    expect((await http().get(`/project/${project.id}/directories`)).body).toEqual([
      { directory: shown },
      { directory: dirShown, strategy: 'worktree' },
    ]);

    await fs.writeFile(path.join(dir, 'a.txt'), 'changed\n');
    expect((await http().post('/experimental/worktree/reset', { query: q, body: { directory: dir } })).body).toBe(true);
    expect(await fs.readFile(path.join(dir, 'a.txt'), 'utf8')).toBe('one\ntwo\n');

    const dup = await http().post('/experimental/worktree', { query: q, body: { name: 'side' } });
    expect(dup.status).toBe(400);
    expect(dup.body.name).toBe('WorktreeCreateFailedError');

    // Named as it was shown (reset above used the host path, which still works).
    expect((await http().delete('/experimental/worktree', { query: q, body: { directory: dirShown } })).body).toBe(
      true,
    );
    expect((await http().get('/experimental/worktree', { query: q })).body).toEqual([]);
    expect(git('branch', '--list', 'opencode/side').trim()).toBe('');
  });

  it('refuses names and directories that are not its own worktrees, before git runs', async () => {
    for (const name of ['--force', '../escape', 'UPPER', 'a'.repeat(41)]) {
      const res = await http().post('/experimental/worktree', { query: q, body: { name } });
      expect(res.status).toBe(400);
    }
    for (const directory of [shown, worktree, '/etc', `${shown}/.worktrees/../..`, '--help']) {
      const res = await http().delete('/experimental/worktree', { query: q, body: { directory } });
      expect(res.status).toBe(400);
      expect(res.body.name).toBe('WorktreeRemoveFailedError');
    }
    await expect(fs.stat(worktree)).resolves.toBeDefined();
  });

  it('a project copy is a worktree; another school sees none of it', async () => {
    const project = (await http().get('/project/current', { query: q })).body;
    const named = await http().post(`/experimental/project/${project.id}/copy/generate-name`, {
      body: { context: 'Fix the login form!' },
    });
    expect(named.body).toEqual({ name: 'fix-login-form' });
    const copy = await http().post(`/experimental/project/${project.id}/copy`, {
      body: { strategy: 'worktree', directory: '/anywhere/fix-login-form' },
    });
    expect(copy.body).toEqual({ directory: `${shown}/.worktrees/fix-login-form` });
    const bad = await http().post(`/experimental/project/${project.id}/copy`, {
      body: { strategy: 'copy', directory: '/tmp/x' },
    });
    expect(bad.body).toMatchObject({ name: 'ProjectCopyError' });
    expect((await other.admin.http.get(`/project/${project.id}/directories`)).status).toBe(404);
    const removed = await http().delete(`/experimental/project/${project.id}/copy`, {
      body: { directory: copy.body.directory, force: true },
    });
    expect(removed.status).toBe(204);
  });
});

describe('instance-level routes', () => {
  it('lists sessions across projects with their project, newest first, paging by cursor', async () => {
    const http = school.student.http;
    const a = (await http.post('/session', { query: { directory: 'alpha' }, body: { title: 'in alpha' } })).body;
    const b = (await http.post('/session', { query: { directory: 'beta' }, body: { title: 'in beta' } })).body;
    const page = await http.get('/experimental/session', { query: { limit: '1' } });
    expect(page.body.map((s: any) => s.id)).toEqual([b.id]);
    expect(page.body[0].project).toMatchObject({ id: b.projectID, name: 'beta' });
    const next = await http.get('/experimental/session', {
      query: { limit: '1', cursor: page.headers.get('x-next-cursor')! },
    });
    expect(next.body.map((s: any) => s.id)).toEqual([a.id]);
    // Another school's admin sees none of them.
    const foreign = (await other.admin.http.get('/experimental/session')).body as any[];
    expect(foreign.filter((s) => s.id === a.id || s.id === b.id)).toEqual([]);
  });

  it('capabilities, log, background and global dispose answer in OpenCode shapes', async () => {
    const http = school.student.http;
    expect((await http.get('/experimental/capabilities')).body).toEqual({ backgroundSubagents: false });
    expect((await http.post('/log', { body: { service: 'web', level: 'warn', message: 'hi' } })).body).toBe(true);
    const bad = await http.post('/log', { body: { service: 'web', level: 'loud', message: 'hi' } });
    expect(bad.status).toBe(400);
    const session = (await http.post('/session', { body: {} })).body;
    expect((await http.post(`/experimental/session/${session.id}/background`)).body).toBe(false);
    expect((await http.post('/global/dispose')).body).toBe(true);
  });

  it.each(['/sync/start', '/experimental/workspace', '/provider/openai/oauth/authorize', '/global/upgrade'])(
    'POST %s is a typed 400 naming why',
    async (route) => {
      const res = await school.student.http.post(route, { body: {} });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        name: 'UnsupportedOperationError',
        data: { code: 'unsupported', message: expect.stringContaining('not available on this server') },
      });
    },
  );
});
