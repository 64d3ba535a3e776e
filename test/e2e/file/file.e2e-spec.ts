import fs from 'node:fs/promises';
import path from 'node:path';
import { FakeLlm, reply } from '../../fakes/llm';
import { createTenant, createUser, type TestTenant, type TestUser } from '../../factories/tenant.factory';
import { onHost } from '../../utils/host-path';
import { startTestApp, type TestApp } from '../../utils/test-app';
import { fakeProviderConfig } from '../../utils/fake-provider-config';
import { createProject } from '../../utils/project';

// OpenCode's file, find and vcs routes on a project workspace, with the real bubblewrap sandbox running git.

let app: TestApp;
let llm: FakeLlm;
let school: TestTenant;
let other: TestTenant;
let worktree: string;
/** The same folder on the host, where the test sets files up. */
let disk: string;

async function shell(user: TestUser, command: string): Promise<any> {
  const session = await user.http.post('/session', { body: {} });
  const res = await user.http.post(`/session/${session.body.id}/shell`, { body: { agent: 'build', command } });
  expect(res.status).toBe(200);
  return res.body;
}

beforeAll(async () => {
  llm = await FakeLlm.start({ chunkDelayMs: 0 });
  llm.setDefaultReply(reply().text('ok').stop());
  app = await startTestApp({ OPENCODE_CONFIG_CONTENT: fakeProviderConfig(llm.openaiBaseUrl), SANDBOX: 'required' });
  school = await createTenant(app.url, app.adminKey);
  other = await createTenant(app.url, app.adminKey);
  worktree = (await createProject(school.student.http)).worktree;
  disk = onHost(app, worktree);
  await fs.mkdir(path.join(disk, 'src/lib'), { recursive: true });
  await fs.writeFile(
    path.join(disk, 'src/main.ts'),
    'export const greeting = "hello world";\nconsole.log(greeting);\n',
  );
  await fs.writeFile(
    path.join(disk, 'src/lib/util.ts'),
    'export function add(a: number, b: number) {\n  return a + b;\n}\n',
  );
  await fs.writeFile(path.join(disk, 'README.md'), '# Demo\n');
  await fs.writeFile(path.join(disk, '.gitignore'), 'build/\n');
  await fs.mkdir(path.join(disk, 'build'));
  await fs.writeFile(path.join(disk, 'build/out.js'), 'compiled();\n');
  await fs.writeFile(
    path.join(disk, 'logo.png'),
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]),
  );
}, 60_000);

afterAll(async () => {
  await app?.close();
  await llm?.stop();
});

describe('GET /file and /file/content', () => {
  it('lists a folder: directories first, paths relative to the project, .gitignore marks ignored entries', async () => {
    const res = await school.student.http.get('/file', { query: { path: '' } });
    expect(res.status).toBe(200);
    expect(res.body.map((n: any) => n.name)).toEqual(['build', 'src', '.gitignore', 'logo.png', 'README.md']);
    const build = res.body.find((n: any) => n.name === 'build');
    expect(build).toEqual({
      name: 'build',
      path: 'build',
      absolute: `${worktree}/build`,
      type: 'directory',
      ignored: true,
    });
    expect(res.body.find((n: any) => n.name === 'src').ignored).toBe(false);
    const sub = await school.student.http.get('/file', { query: { path: 'src/lib' } });
    expect(sub.body).toEqual([expect.objectContaining({ name: 'util.ts', path: 'src/lib/util.ts', type: 'file' })]);
  });

  it('returns text as-is and binary as base64 with a MIME type', async () => {
    const text = await school.student.http.get('/file/content', { query: { path: 'src/main.ts' } });
    expect(text.body).toEqual({
      type: 'text',
      content: 'export const greeting = "hello world";\nconsole.log(greeting);\n',
    });
    const png = await school.student.http.get('/file/content', { query: { path: 'logo.png' } });
    expect(png.body).toMatchObject({ type: 'binary', encoding: 'base64', mimeType: 'image/png' });
    expect(Buffer.from(png.body.content, 'base64')[1]).toBe(0x50);
  });

  it('answers bad input with OpenCode error bodies', async () => {
    const missing = await school.student.http.get('/file/content', { query: { path: 'nope.txt' } });
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({
      name: 'NotFoundError',
      data: { message: expect.stringContaining('nope.txt') },
    });
    const noPath = await school.student.http.get('/file/content');
    expect(noPath.status).toBe(400);
    expect(noPath.body.name).toBe('BadRequest');
    const dir = await school.student.http.get('/file/content', { query: { path: 'src' } });
    expect(dir.status).toBe(400);
    const notDir = await school.student.http.get('/file', { query: { path: 'README.md' } });
    expect(notDir.status).toBe(400);
    const escape = await school.student.http.get('/file/content', { query: { path: '../../../../etc/passwd' } });
    expect(escape.status).toBe(403);
    expect(escape.body).toMatchObject({ name: 'ForbiddenError', data: { code: 'path_outside_workspace' } });
    const badLimit = await school.student.http.get('/find/file', { query: { query: 'x', limit: '500' } });
    expect(badLimit.status).toBe(400);
  });
});

describe('GET /find, /find/file, /find/symbol', () => {
  it('finds text with ripgrep in OpenCode match shape, skipping ignored folders', async () => {
    const res = await school.student.http.get('/find', { query: { pattern: 'greeting' } });
    expect(res.status).toBe(200);
    expect(res.body).toHaveLength(2);
    expect(res.body[0]).toEqual({
      path: { text: 'src/main.ts' },
      lines: { text: 'export const greeting = "hello world";\n' },
      line_number: 1,
      absolute_offset: 0,
      submatches: [{ match: { text: 'greeting' }, start: 13, end: 21 }],
    });
    expect(res.body[1]).toMatchObject({ line_number: 2, absolute_offset: 39 });
    const ignored = await school.student.http.get('/find', { query: { pattern: 'compiled' } });
    expect(ignored.body).toEqual([]);
    const bad = await school.student.http.get('/find', { query: { pattern: '(unclosed' } });
    expect(bad.status).toBe(400);
    expect(bad.body.name).toBe('BadRequest');
  });

  it('fuzzy-finds files and folders, honouring type, dirs and limit', async () => {
    const res = await school.student.http.get('/find/file', { query: { query: 'util' } });
    expect(res.body[0]).toBe('src/lib/util.ts');
    const dirs = await school.student.http.get('/find/file', { query: { query: 'lib', type: 'directory' } });
    expect(dirs.body).toEqual(['src/lib/']);
    const noDirs = await school.student.http.get('/find/file', { query: { query: 's', dirs: 'false', limit: '2' } });
    expect(noDirs.body).toHaveLength(2);
    expect(noDirs.body.every((p: string) => !p.endsWith('/'))).toBe(true);
    expect((await school.student.http.get('/find/file', { query: { query: 'out.js' } })).body).toEqual([]);
    expect((await school.student.http.get('/find/symbol', { query: { query: 'add' } })).body).toEqual([]);
  });
});

describe('GET /vcs*', () => {
  it('answers empty for a workspace that is not a git repository', async () => {
    const u = await createUser(app.url, school.admin.key, 'student');
    expect((await u.http.get('/vcs')).body).toEqual({});
    expect((await u.http.get('/vcs/status')).body).toEqual([]);
    expect((await u.http.get('/vcs/diff', { query: { mode: 'git' } })).body).toEqual([]);
    expect((await u.http.get('/file/status')).body).toEqual([]);
    expect((await u.http.get('/vcs/diff', { query: { mode: 'svn' } })).status).toBe(400);
  });

  it('reports branch, changed files and patches of a git workspace (git run inside the sandbox)', async () => {
    const u = await createUser(app.url, school.admin.key, 'student');
    const out = await shell(
      u,
      'git init -q -b main && printf "a\\nb\\n" > a.txt && printf "x\\n" > gone.txt && git add . && git -c user.email=t@e -c user.name=t commit -qm init && printf "a\\nB\\nc\\n" > a.txt && rm gone.txt && printf "new\\n" > new.txt && echo done',
    );
    expect(out.parts[0].state.output).toContain('done');
    expect((await u.http.get('/vcs')).body).toEqual({ branch: 'main', default_branch: 'main' });
    const status = (await u.http.get('/vcs/status')).body;
    expect(status).toEqual([
      { file: 'a.txt', additions: 2, deletions: 1, status: 'modified' },
      { file: 'gone.txt', additions: 0, deletions: 1, status: 'deleted' },
      { file: 'new.txt', additions: 1, deletions: 0, status: 'added' },
    ]);
    const diff = (await u.http.get('/vcs/diff', { query: { mode: 'git', context: '0' } })).body;
    expect(diff[0]).toMatchObject({ file: 'a.txt', additions: 2, deletions: 1 });
    expect(diff[0].patch).toContain('-b\n+B\n+c');
    expect(diff[2].patch).toContain('+new');
    expect((await u.http.get('/file/status')).body[0]).toEqual({
      path: 'a.txt',
      added: 2,
      removed: 1,
      status: 'modified',
    });
    expect((await u.http.get('/vcs/diff', { query: { mode: 'branch' } })).body).toHaveLength(3);
    // On a feature branch, committed work shows against the merge base with main.
    await shell(
      u,
      'git checkout -q -b feature && git add -A && git -c user.email=t@e -c user.name=t commit -qm work && echo ok',
    );
    expect((await u.http.get('/vcs')).body).toEqual({ branch: 'feature', default_branch: 'main' });
    expect((await u.http.get('/vcs/status')).body).toEqual([]);
    const branch = (await u.http.get('/vcs/diff', { query: { mode: 'branch' } })).body;
    expect(branch.map((d: any) => [d.file, d.status])).toEqual([
      ['a.txt', 'modified'],
      ['gone.txt', 'deleted'],
      ['new.txt', 'added'],
    ]);
    expect(branch[2].patch).toContain('+new');
  });

  it('never runs a hostile .git/config command (fsmonitor) outside the sandbox', async () => {
    const u = await createUser(app.url, school.admin.key, 'student');
    const marker = path.join(app.dataDir, `pwned-${Date.now()}`);
    await shell(u, `git init -q -b main && git config core.fsmonitor 'touch ${marker}; false' && echo x > f.txt`);
    await u.http.get('/vcs/status');
    await expect(fs.stat(marker)).rejects.toThrow();
  });
});

describe('access', () => {
  it("another tenant's worktree as ?directory= is 404, and so is a worktree of another student", async () => {
    // As the path the owner was shown and as the host path behind it.
    for (const directory of [worktree, disk]) {
      const foreign = await other.student.http.get('/file', { query: { directory } });
      expect(foreign.status).toBe(404);
      expect(foreign.body.name).toBe('NotFoundError');
    }
    const classmate = await createUser(app.url, school.admin.key, 'student');
    for (const route of ['/file', '/find/file', '/vcs', '/vcs/status', '/file/status']) {
      for (const directory of [worktree, disk]) {
        const res = await classmate.http.get(route, { query: { directory, query: 'a', path: '' } });
        expect([route, res.status]).toEqual([route, 404]);
      }
    }
    const content = await classmate.http.get('/file/content', { query: { directory: worktree, path: 'src/main.ts' } });
    expect(content.status).toBe(404);
    // A teacher may look at the project of a student of a class they teach, and only then.
    const read = () => school.teacher.http.get('/file/content', { query: { directory: worktree, path: 'README.md' } });
    expect((await read()).status).toBe(404);
    const klass = await school.admin.http.post('/admin/classes', { body: { name: `files-${Date.now()}` } });
    expect(klass.status).toBe(201);
    for (const member of [
      { userId: school.teacher.id, role: 'teacher' },
      { userId: school.student.id, role: 'student' },
    ]) {
      expect(
        (await school.admin.http.post(`/admin/classes/${klass.body.id}/members`, { body: member })).status,
      ).toBeLessThan(300);
    }
    expect((await read()).body).toEqual({ type: 'text', content: '# Demo\n' });
  });
});
