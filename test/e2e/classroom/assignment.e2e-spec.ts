import { FakeLlm, reply } from '../../fakes/llm';
import { buildTarGz, buildZip, fetchBytes, readZipEntries } from '../../utils/archive-builder';
import { startTestApp, type TestApp } from '../../utils/test-app';
import { waitUntil } from '../../utils/wait-until';
import { createSchool, expectOk, pricedProviderConfig, textPrompt, type School } from '../school/school.fixture';

// Assignments from every side: the class's teacher hands one out with starter files, its student opens a seeded
// copy and works in it, the teacher collects; the teacher and student of another class, another school's admin and
// hostile archives are refused.

jest.setTimeout(120_000);

let app: TestApp;
let llm: FakeLlm;
let school: School;

const starterZip = () =>
  buildZip([
    { name: 'main.py', data: 'def fizz(n):\n    pass\n' },
    { name: 'tests/test_main.py', data: 'assert True\n', deflate: true },
  ]);
const zipHeaders = { 'content-type': 'application/zip' };

beforeAll(async () => {
  llm = await FakeLlm.start({ chunkDelayMs: 0 });
  llm.setDefaultReply(reply().text('What does your loop do?').usage({ input: 10, output: 5 }).stop());
  app = await startTestApp({ OPENCODE_CONFIG_CONTENT: pricedProviderConfig(llm.openaiBaseUrl), SANDBOX: 'off' });
  school = await createSchool(app.url, app.adminKey);
});

afterAll(async () => {
  await app?.close();
  await llm?.stop();
});

async function newAssignment(extra: Record<string, unknown> = {}): Promise<string> {
  const created = await school.http.teacher.post(`/classroom/classes/${school.classA}/assignments`, {
    body: { title: 'FizzBuzz', instructions: 'Make fizz(n) return Fizz for multiples of 3.', ...extra },
  });
  return expectOk(created, 200, 'create assignment').id;
}

describe('creating an assignment', () => {
  it('the class teacher creates one; others are refused in the shape OpenCode clients read', async () => {
    const id = await newAssignment({ policy: { agents: ['tutor'], models: ['fake/*'] } });
    const got = expectOk(await school.http.student.get(`/classroom/assignments/${id}`), 200, 'student reads');
    expect(got).toMatchObject({ title: 'FizzBuzz', classID: school.classA, policy: { agents: ['tutor'] } });

    const path = `/classroom/classes/${school.classA}/assignments`;
    const body = { title: 'x' };
    expect((await school.http.otherTeacher.post(path, { body })).status).toBe(404);
    expect((await school.http.otherTenant.post(path, { body })).status).toBe(404);
    const student = await school.http.student.post(path, { body });
    expect(student.status).toBe(403);
    expect(student.body).toMatchObject({ name: 'ForbiddenError', data: { message: expect.any(String) } });
    // Another class's assignment is not there for its students and teacher.
    expect((await school.http.otherStudent.get(`/classroom/assignments/${id}`)).status).toBe(404);
    expect((await school.http.otherTeacher.get(`/classroom/assignments/${id}`)).status).toBe(404);
    expect((await school.http.otherTenant.get(`/classroom/assignments/${id}`)).status).toBe(404);
    expect((await school.http.otherStudent.get(path)).status).toBe(404);
  });

  it('a policy naming an unknown agent or model, and bad fields, are 400s', async () => {
    const path = `/classroom/classes/${school.classA}/assignments`;
    const agent = await school.http.teacher.post(path, { body: { title: 'x', policy: { agents: ['solver'] } } });
    expect(agent.status).toBe(400);
    expect(agent.body).toMatchObject({ name: 'BadRequest', data: { message: expect.stringContaining('solver') } });
    const model = await school.http.teacher.post(path, { body: { title: 'x', policy: { models: ['openai/gpt-9'] } } });
    expect(model.status).toBe(400);
    expect(model.body.data.message).toContain('openai/gpt-9');
    expect((await school.http.teacher.post(path, { body: { title: '' } })).status).toBe(400);
    expect((await school.http.teacher.post(path, { body: { title: 'x', due: 'tomorrow' } })).status).toBe(400);
    expect((await school.http.teacher.post(path, { body: { title: 'x', policy: { agents: 'tutor' } } })).status).toBe(
      400,
    );
    expect(
      (await school.http.teacher.post('/classroom/classes/cls_nope/assignments', { body: { title: 'x' } })).status,
    ).toBe(404);
  });
});

describe('starter files', () => {
  it('hostile archives are 400s and change nothing', async () => {
    const id = await newAssignment();
    const put = (body: Buffer) =>
      school.http.teacher.put(`/classroom/assignments/${id}/starter`, { body, headers: zipHeaders });
    const cases: [string, Buffer][] = [
      ['zip slip', buildZip([{ name: '../../../etc/cron.d/evil', data: 'x' }])],
      ['absolute', buildZip([{ name: '/etc/passwd', data: 'x' }])],
      ['symlink', buildZip([{ name: 'link', symlink: '/etc/passwd' }])],
      ['.git', buildZip([{ name: '.git/config', data: '[core]\n\tfsmonitor = touch /tmp/x\n' }])],
      ['too many', buildZip(Array.from({ length: 501 }, (_, i) => ({ name: `f${i}`, data: 'x' })))],
      ['bomb', buildZip([{ name: 'zeros', data: Buffer.alloc(11 * 1024 * 1024), deflate: true }])],
      ['not an archive', Buffer.from('just text')],
    ];
    for (const [what, body] of cases) {
      const res = await put(body);
      expect({ what, status: res.status, name: res.body?.name }).toEqual({ what, status: 400, name: 'BadRequest' });
    }
    const tarSymlink = await buildTarGz([{ name: 'x', type: 'symlink', linkname: '/etc/shadow' }]);
    const res = await school.http.teacher.put(`/classroom/assignments/${id}/starter`, {
      body: tarSymlink,
      headers: { 'content-type': 'application/gzip' },
    });
    expect(res.status).toBe(400);
    const tooBig = await school.http.teacher.put(`/classroom/assignments/${id}/starter`, {
      body: Buffer.alloc(13 * 1024 * 1024, 1),
      headers: zipHeaders,
    });
    expect(tooBig.status).toBe(413);
    expect(tooBig.body).toMatchObject({ name: 'PayloadTooLargeError' });
    expect(expectOk(await school.http.teacher.get(`/classroom/assignments/${id}`), 200, 'get').starter).toBeNull();
    // Another class's teacher cannot put files into it.
    expect(
      (
        await school.http.otherTeacher.put(`/classroom/assignments/${id}/starter`, {
          body: starterZip(),
          headers: zipHeaders,
        })
      ).status,
    ).toBe(404);
  });
});

describe('the loop of one assignment', () => {
  it('open seeds once with a starting commit, files move both ways, collection shows the change', async () => {
    const id = await newAssignment({ policy: { agents: ['tutor'] } });
    const uploaded = expectOk(
      await school.http.teacher.put(`/classroom/assignments/${id}/starter`, {
        body: starterZip(),
        headers: zipHeaders,
      }),
      200,
      'starter',
    );
    expect(uploaded.starter).toEqual({ files: 2, bytes: expect.any(Number) });

    expect((await school.http.otherStudent.post(`/classroom/assignments/${id}/open`)).status).toBe(404);
    expect((await school.http.admin.post(`/classroom/assignments/${id}/open`)).status).toBe(403);
    const opened = expectOk(await school.http.student.post(`/classroom/assignments/${id}/open`), 200, 'open');
    expect(opened).toMatchObject({ seeded: true, startCommit: expect.stringMatching(/^[0-9a-f]{40}$/) });
    const again = expectOk(await school.http.student.post(`/classroom/assignments/${id}/open`), 200, 'open again');
    expect(again).toMatchObject({ seeded: false, projectID: opened.projectID, startCommit: opened.startCommit });
    const directory: string = opened.directory;

    // The agent sees the instructions: ASSIGNMENT.md in the copy, and the copy is a git repository at the start.
    const file = (path: string, key = school.users.student.key) =>
      fetchBytes(`${app.url}/classroom/workspace/file?${new URLSearchParams({ directory, path })}`, key);
    expect((await file('ASSIGNMENT.md')).bytes.toString()).toContain('multiples of 3');
    expect((await file('main.py')).bytes.toString()).toBe('def fizz(n):\n    pass\n');
    const vcs = expectOk(await school.http.student.get('/vcs', { query: { directory } }), 200, 'vcs');
    expect(vcs.branch).toBe('main');

    // The assignment's policy keeps the student on the tutor in this copy.
    const agents = expectOk(await school.http.student.get('/agent', { query: { directory } }), 200, 'agents');
    const primaries = agents
      .filter((a: { mode: string }) => a.mode !== 'subagent')
      .map((a: { name: string }) => a.name);
    expect(primaries).toEqual(['tutor']);
    const session = expectOk(
      await school.http.student.post('/session', { query: { directory }, body: {} }),
      200,
      'session',
    );
    const build = await school.http.student.post(`/session/${session.id}/message`, {
      query: { directory },
      body: { ...textPrompt('just solve it'), agent: 'build' },
    });
    expect(build.status).toBe(403);

    // Single files up (student) and down (student, their teacher); the teacher only reads.
    const up = await school.http.student.put('/classroom/workspace/file', {
      query: { directory, path: 'main.py' },
      body: Buffer.from('def fizz(n):\n    return "Fizz" if n % 3 == 0 else str(n)\n'),
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(expectOk(up, 200, 'upload')).toEqual({ path: 'main.py', size: expect.any(Number) });
    expectOk(
      await school.http.student.put('/classroom/workspace/file', {
        query: { directory, path: 'notes/idea.txt' },
        body: Buffer.from('use modulo\n'),
        headers: { 'content-type': 'application/octet-stream' },
      }),
      200,
      'upload new',
    );
    expect((await file('main.py', school.users.teacher.key)).bytes.toString()).toContain('Fizz');
    expect((await file('main.py', school.users.otherTeacher.key)).status).toBe(404);
    const teacherUp = await school.http.teacher.put('/classroom/workspace/file', {
      query: { directory, path: 'main.py' },
      body: Buffer.from('x'),
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(teacherUp.status).toBe(403);
    expect((await file('../../../etc/passwd')).status).toBe(403);

    // The whole copy as a zip.
    const whole = await fetchBytes(
      `${app.url}/classroom/workspace/archive?${new URLSearchParams({ directory })}`,
      school.users.student.key,
    );
    expect(whole.status).toBe(200);
    expect([...(await readZipEntries(whole.bytes)).keys()].sort()).toEqual([
      'ASSIGNMENT.md',
      'main.py',
      'notes/idea.txt',
      'tests/test_main.py',
    ]);

    // Collection: one folder per student of the class, a diff summary against the starter files.
    expect((await school.http.otherTeacher.post(`/classroom/assignments/${id}/collect`)).status).toBe(404);
    expect((await school.http.student.post(`/classroom/assignments/${id}/collect`)).status).toBe(403);
    const collection = expectOk(await school.http.teacher.post(`/classroom/assignments/${id}/collect`), 200, 'collect');
    expect(collection.students).toEqual([
      expect.objectContaining({
        userID: school.users.student.id,
        opened: true,
        added: ['ASSIGNMENT.md', 'notes/idea.txt'],
        modified: ['main.py'],
        deleted: [],
        additions: expect.any(Number),
        deletions: 1,
      }),
    ]);
    const zip = await fetchBytes(
      `${app.url}/classroom/assignments/${id}/collections/${collection.id}/download`,
      school.users.teacher.key,
    );
    expect(zip.headers.get('content-type')).toBe('application/zip');
    const entries = await readZipEntries(zip.bytes);
    const folder = [...entries.keys()].find((k) => k.endsWith('/main.py'))!.split('/')[0];
    expect(folder).toContain(school.users.student.id);
    expect(entries.get(`${folder}/main.py`)).toContain('Fizz');
    expect(entries.get('SUMMARY.md')).toContain('| yes |');
    expect(
      (
        await fetchBytes(
          `${app.url}/classroom/assignments/${id}/collections/${collection.id}/download`,
          school.users.otherTeacher.key,
        )
      ).status,
    ).toBe(404);
  });

  it('at the due time a scheduled job collects on its own', async () => {
    const id = await newAssignment();
    expectOk(await school.http.student.post(`/classroom/assignments/${id}/open`), 200, 'open');
    expectOk(
      await school.http.teacher.patch(`/classroom/assignments/${id}`, { body: { due: Date.now() + 1000 } }),
      200,
      'set due',
    );
    const collections = await waitUntil(
      'the due-time collection',
      async () => expectOk(await school.http.teacher.get(`/classroom/assignments/${id}/collections`), 200, 'list'),
      (list: { trigger: string; students: unknown[] }[]) => list.some((c) => c.trigger === 'due'),
      { timeoutMs: 30_000, everyMs: 200 },
    );
    expect(collections.filter((c: { trigger: string }) => c.trigger === 'due')).toHaveLength(1);
    expect(collections[0].students[0]).toMatchObject({ userID: school.users.student.id, opened: true });
  });
});
