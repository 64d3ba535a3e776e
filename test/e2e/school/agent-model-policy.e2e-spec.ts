import { FakeLlm, reply } from '../../fakes/llm';
import { createUser, type TestUser } from '../../factories/tenant.factory';
import type { Client } from '../../utils/http';
import { startTestApp, type TestApp } from '../../utils/test-app';
import { chatRequests, isChat, toolNames } from '../agent/kit';
import { createClass, createSchool, expectOk, textPrompt, type School } from './school.fixture';
import { fakeProviderConfig } from '../../utils/fake-provider-config';

// The agent and model policy of a class (and of an assignment) from every side: who may set it, what bad input
// gets, and a student of the class trying another agent or model through every route that starts a turn — the
// TurnContext's `choose` is the one door they all pass.

jest.setTimeout(120_000);

let app: TestApp;
let llm: FakeLlm;
let school: School;

const CHEAP = { providerID: 'fake', modelID: 'fake-cheap' };
const BIG = { providerID: 'fake', modelID: 'fake-model' };

function config(baseURL: string): string {
  return fakeProviderConfig(
    baseURL,
    {
      command: { hello: { template: 'Say hello $ARGUMENTS' }, planit: { template: 'Plan $ARGUMENTS', agent: 'plan' } },
    },
    {},
    { 'fake-cheap': { name: 'Cheap' } },
  );
}

beforeAll(async () => {
  llm = await FakeLlm.start({ chunkDelayMs: 0 });
  llm.setDefaultReply(reply().text('ok').stop());
  app = await startTestApp({ OPENCODE_CONFIG_CONTENT: config(llm.openaiBaseUrl), SANDBOX: 'off' });
  school = await createSchool(app.url, app.adminKey);
});

afterAll(async () => {
  await app?.close();
  await llm?.stop();
});

const settingsOf = (classId: string) => `/admin/classes/${classId}/settings`;

async function newSession(http: Client, body: Record<string, unknown> = {}, query?: Record<string, string>) {
  return expectOk(await http.post('/session', { body, ...(query ? { query } : {}) }), 200, 'session').id as string;
}

/** A class of its own (its teacher, one student) so each block sets its policy without touching the others. */
async function ownClass(name: string): Promise<{ id: string; student: TestUser; teacher: TestUser }> {
  const teacher = await createUser(app.url, school.users.admin.key, 'teacher');
  const student = await createUser(app.url, school.users.admin.key, 'student');
  const id = await createClass(school.http.admin, name, [
    { userId: teacher.id, role: 'teacher' },
    { userId: student.id, role: 'student' },
  ]);
  return { id, student, teacher };
}

const lastChatModel = () => chatRequests(llm).at(-1)?.body.model as string;

describe('who may set a class policy', () => {
  it("another class's teacher and another school's admin get 404, a student 403; its teacher and the admin may", async () => {
    const body = { agents: ['tutor'] };
    expect((await school.http.otherTeacher.patch(settingsOf(school.classA), { body })).status).toBe(404);
    expect((await school.http.otherTeacher.put(settingsOf(school.classA), { body })).status).toBe(404);
    expect((await school.http.otherTenant.patch(settingsOf(school.classA), { body })).status).toBe(404);
    const student = await school.http.student.patch(settingsOf(school.classA), { body });
    expect(student.status).toBe(403);
    expect(student.body).toMatchObject({ name: 'ForbiddenError', data: { message: expect.any(String) } });
    expect((await school.http.teacher.patch(settingsOf('cls_nope'), { body })).status).toBe(404);

    const cls = await ownClass('who-sets');
    const set = await cls.teacher.http.patch(settingsOf(cls.id), { body: { default_agent: 'tutor' } });
    expect(expectOk(set, 200, 'teacher sets').settings).toEqual({ default_agent: 'tutor' });
    // PATCH keeps what it does not name and removes what it sets to null.
    const more = await school.http.admin.patch(settingsOf(cls.id), { body: { allow_change: false } });
    expect(expectOk(more, 200, 'admin sets').settings).toEqual({ default_agent: 'tutor', allow_change: false });
    const less = await cls.teacher.http.patch(settingsOf(cls.id), { body: { default_agent: null } });
    expect(expectOk(less, 200, 'remove').settings).toEqual({ allow_change: false });
  });

  it('a policy naming an unknown agent, model or tool, an inconsistent default and wrong types are 400s', async () => {
    const cls = await ownClass('bad-input');
    const bad: [Record<string, unknown>, string?][] = [
      [{ agents: ['solver'] }, 'policy_unknown_agent'],
      [{ default_agent: 'solver' }, 'policy_unknown_agent'],
      [{ models: ['openai/gpt-9'] }, 'policy_unknown_model'],
      [{ default_model: 'fake/nope' }, 'policy_unknown_model'],
      [{ tools: { bsh: false } }, 'policy_unknown_tool'],
      [{ agents: ['tutor'], default_agent: 'plan' }, 'policy_invalid'],
      [{ models: ['fake/fake-cheap'], default_model: 'fake/fake-model' }, 'policy_invalid'],
      [{ tools: { bash: 'off' } }, 'policy_invalid'],
      [{ tools: ['bash'] }],
      [{ allow_change: 'no' }],
      [{ default_model: 'gpt' }],
      [{ default_agent: 42 }],
      [{ agents: 'tutor' }],
      [{ permission: { bash: 'sometimes' } }, 'policy_invalid'],
    ];
    for (const [body, code] of bad) {
      for (const send of [cls.teacher.http.patch, cls.teacher.http.put]) {
        const res = await send(settingsOf(cls.id), { body });
        expect({ body, status: res.status }).toEqual({ body, status: 400 });
        expect(res.body.name).toBe('BadRequest');
        if (code) expect(res.body.data.code).toBe(code);
      }
    }
    expect(expectOk(await cls.teacher.http.get(`/admin/classes/${cls.id}`), 200, 'class').settings).toEqual({});

    const assignments = `/classroom/classes/${cls.id}/assignments`;
    for (const policy of [{ default_agent: 'solver' }, { allow_change: 'x' }, { tools: { bash: 1 } }, ['tutor']]) {
      const res = await cls.teacher.http.post(assignments, { body: { title: 'x', policy } });
      expect({ policy, status: res.status }).toEqual({ policy, status: 400 });
    }
  });
});

describe('a class that keeps its students on the tutor and the cheap model (allow_change: false)', () => {
  let cls: { id: string; student: TestUser; teacher: TestUser };
  const policy = {
    agents: ['tutor', 'plan'],
    default_agent: 'tutor',
    models: ['fake/*'],
    default_model: 'fake/fake-cheap',
    allow_change: false,
  };

  beforeAll(async () => {
    cls = await ownClass('locked');
    expectOk(await cls.teacher.http.put(settingsOf(cls.id), { body: policy }), 200, 'policy');
  });

  it('every route that starts a turn refuses another agent or model with a typed 403 naming the one to use', async () => {
    const http = cls.student.http;
    const id = await newSession(http);
    const before = llm.requests.length;
    const refusals = [
      ['prompt, another agent', http.post(`/session/${id}/message`, { body: { ...textPrompt('x'), agent: 'build' } })],
      // plan is allowed by the list, but the switch is off: only the default.
      [
        'prompt, an allowed agent',
        http.post(`/session/${id}/message`, { body: { ...textPrompt('x'), agent: 'plan' } }),
      ],
      ['prompt, another model', http.post(`/session/${id}/message`, { body: { ...textPrompt('x'), model: BIG } })],
      ['prompt_async', http.post(`/session/${id}/prompt_async`, { body: { ...textPrompt('x'), agent: 'build' } })],
      ['command with an agent', http.post(`/session/${id}/command`, { body: { command: 'planit', arguments: 'a' } })],
      [
        'command with a model',
        http.post(`/session/${id}/command`, { body: { command: 'hello', arguments: 'a', model: 'fake/fake-model' } }),
      ],
      ['shell', http.post(`/session/${id}/shell`, { body: { agent: 'build', command: 'echo ran' } })],
      ['summarize', http.post(`/session/${id}/summarize`, { body: BIG })],
    ] as const;
    for (const [what, pending] of refusals) {
      const res = await pending;
      expect({ what, status: res.status, name: res.body.name }).toEqual({ what, status: 403, name: 'ForbiddenError' });
      expect(res.body.data.code).toMatch(/^(agent|model)_locked$/);
      expect(res.body.data.message).toMatch(
        /use ("tutor"|fake\/fake-cheap) \(class locked policy: allow_change is off\)/,
      );
    }
    expect(llm.requests.length).toBe(before);
    const messages = expectOk(await http.get(`/session/${id}/message`), 200, 'messages');
    expect(messages).toEqual([]);
  });

  it('what OpenCode clients send passes: the default agent and model named on every prompt, or nothing', async () => {
    const id = await newSession(cls.student.http);
    const named = await cls.student.http.post(`/session/${id}/message`, {
      body: { ...textPrompt('hi'), agent: 'tutor', model: CHEAP },
    });
    expect(expectOk(named, 200, 'named').info).toMatchObject({ agent: 'tutor', modelID: 'fake-cheap' });
    expect(lastChatModel()).toBe('fake-cheap');
    const bare = await cls.student.http.post(`/session/${id}/message`, { body: textPrompt('again') });
    expect(expectOk(bare, 200, 'bare').info).toMatchObject({ agent: 'tutor', modelID: 'fake-cheap' });
  });

  it("the session's own pick does not leak through: a session made with build, and a fork of one that ran build", async () => {
    const made = await newSession(cls.student.http, {
      agent: 'build',
      model: { id: 'fake-model', providerID: 'fake' },
    });
    const res = await cls.student.http.post(`/session/${made}/message`, { body: textPrompt('hi') });
    expect(expectOk(res, 200, 'made').info).toMatchObject({ agent: 'tutor', modelID: 'fake-cheap' });

    // Before the lock the student worked on build with the big model; then the teacher locks the class.
    expectOk(await cls.teacher.http.patch(settingsOf(cls.id), { body: { allow_change: true } }), 200, 'unlock');
    const ran = await newSession(cls.student.http);
    const free = await cls.student.http.post(`/session/${ran}/message`, {
      body: { ...textPrompt('solve it'), agent: 'plan', model: BIG },
    });
    expect(expectOk(free, 200, 'unlocked').info).toMatchObject({ agent: 'plan', modelID: 'fake-model' });
    expectOk(await cls.teacher.http.patch(settingsOf(cls.id), { body: { allow_change: false } }), 200, 'lock');

    const again = await cls.student.http.post(`/session/${ran}/message`, { body: textPrompt('and now?') });
    expect(expectOk(again, 200, 'same session').info).toMatchObject({ agent: 'tutor', modelID: 'fake-cheap' });
    const fork = expectOk(await cls.student.http.post(`/session/${ran}/fork`, { body: {} }), 200, 'fork').id;
    const forked = await cls.student.http.post(`/session/${fork}/message`, { body: textPrompt('in the fork') });
    expect(expectOk(forked, 200, 'fork prompt').info).toMatchObject({ agent: 'tutor', modelID: 'fake-cheap' });
  });

  it('the listings show only what the student may use; the teacher still sees everything', async () => {
    const http = cls.student.http;
    const agents = expectOk(await http.get('/agent'), 200, 'agents') as { name: string; mode: string }[];
    expect(agents.filter((a) => a.mode !== 'subagent').map((a) => a.name)).toEqual(['tutor']);
    const providers = expectOk(await http.get('/config/providers'), 200, 'config/providers');
    expect(providers.providers.map((p: { id: string; models: object }) => [p.id, Object.keys(p.models)])).toEqual([
      ['fake', ['fake-cheap']],
    ]);
    expect(providers.default).toEqual({ fake: 'fake-cheap' });
    const all = expectOk(await http.get('/provider'), 200, 'provider');
    expect(all.all.flatMap((p: { models: object }) => Object.keys(p.models))).toEqual(['fake-cheap']);
    expect(expectOk(await http.get('/config'), 200, 'config')).toMatchObject({
      model: 'fake/fake-cheap',
      default_agent: 'tutor',
    });

    const staff = expectOk(await cls.teacher.http.get('/agent'), 200, 'teacher agents') as { name: string }[];
    expect(staff.map((a) => a.name)).toEqual(expect.arrayContaining(['build', 'plan', 'tutor']));
    const staffProviders = expectOk(await cls.teacher.http.get('/config/providers'), 200, 'teacher providers');
    expect(Object.keys(staffProviders.providers[0].models).sort()).toEqual(['fake-cheap', 'fake-model']);
  });

  it("a task delegation is the tutor's own call (its task rules), not the student's pick: it runs", async () => {
    const id = await newSession(cls.student.http);
    llm.enqueueWhen(
      isChat,
      reply().tool('task', { description: 'look', prompt: 'list the files', subagent_type: 'explore' }).stop(),
    );
    const res = await cls.student.http.post(`/session/${id}/message`, { body: textPrompt('what is here?') });
    expectOk(res, 200, 'delegating prompt');
    const children = expectOk(await cls.student.http.get(`/session/${id}/children`), 200, 'children');
    expect(children).toHaveLength(1);
    const child = expectOk(await cls.student.http.get(`/session/${children[0].id}/message`), 200, 'child messages');
    expect(child[0].info).toMatchObject({ role: 'user', agent: 'explore' });
  });

  it('a student of another class is not bound by it', async () => {
    const id = await newSession(school.http.otherStudent);
    const res = await school.http.otherStudent.post(`/session/${id}/message`, {
      body: { ...textPrompt('hi'), agent: 'build', model: BIG },
    });
    expect(expectOk(res, 200, 'other class').info).toMatchObject({ agent: 'build', modelID: 'fake-model' });
  });
});

describe('defaults with the switch on, and tools off', () => {
  it('a prompt naming nothing gets the defaults; one naming an allowed agent and model gets those', async () => {
    const cls = await ownClass('defaults');
    const body = { default_agent: 'plan', default_model: 'fake/fake-cheap' };
    expectOk(await cls.teacher.http.put(settingsOf(cls.id), { body }), 200, 'policy');
    const id = await newSession(cls.student.http);
    const bare = await cls.student.http.post(`/session/${id}/message`, { body: textPrompt('hi') });
    expect(expectOk(bare, 200, 'bare').info).toMatchObject({ agent: 'plan', modelID: 'fake-cheap' });
    const picked = await cls.student.http.post(`/session/${id}/message`, {
      body: { ...textPrompt('hi'), agent: 'build', model: BIG },
    });
    expect(expectOk(picked, 200, 'picked').info).toMatchObject({ agent: 'build', modelID: 'fake-model' });
    // OpenCode's TUI starts on the first primary agent listed and on the config's model.
    const agents = expectOk(await cls.student.http.get('/agent'), 200, 'agents') as { name: string }[];
    expect(agents[0].name).toBe('plan');
    expect(agents.map((a) => a.name)).toContain('build');
    expect(expectOk(await cls.student.http.get('/config'), 200, 'config').model).toBe('fake/fake-cheap');
  });

  it('tools off: the model is not offered them and /shell is refused', async () => {
    const cls = await ownClass('no-shell');
    const body = { tools: { bash: false, webfetch: false } };
    expectOk(await cls.teacher.http.put(settingsOf(cls.id), { body }), 200, 'policy');
    const id = await newSession(cls.student.http);
    const before = chatRequests(llm).length;
    expectOk(await cls.student.http.post(`/session/${id}/message`, { body: textPrompt('hi') }), 200, 'prompt');
    const offered = toolNames(chatRequests(llm)[before].body);
    expect(offered).toContain('read');
    expect(offered).not.toContain('bash');
    expect(offered).not.toContain('webfetch');
    const shell = await cls.student.http.post(`/session/${id}/shell`, {
      body: { agent: 'build', command: 'echo ran' },
    });
    expect(shell.status).toBe(403);
    expect(shell.body.data.code).toBe('permission_denied');
  });
});

describe("an assignment's policy in a student's copy", () => {
  it('keeps the student on its default there and nowhere else; a change applies to the next prompt', async () => {
    const cls = await ownClass('assignment');
    const created = await cls.teacher.http.post(`/classroom/classes/${cls.id}/assignments`, {
      body: { title: 'Plan first', policy: { agents: ['plan', 'tutor'], default_agent: 'plan', allow_change: false } },
    });
    const assignment = expectOk(created, 200, 'assignment').id;
    const opened = expectOk(await cls.student.http.post(`/classroom/assignments/${assignment}/open`), 200, 'open');
    const query = { directory: opened.directory as string };
    const id = await newSession(cls.student.http, {}, query);
    const tutor = await cls.student.http.post(`/session/${id}/message`, {
      query,
      body: { ...textPrompt('hi'), agent: 'tutor' },
    });
    expect(tutor.status).toBe(403);
    expect(tutor.body.data).toMatchObject({ code: 'agent_locked', expected: 'plan', source: 'assignment Plan first' });
    const bare = await cls.student.http.post(`/session/${id}/message`, { query, body: textPrompt('hi') });
    expect(expectOk(bare, 200, 'bare').info.agent).toBe('plan');

    // Outside the copy the assignment does not apply.
    const own = await newSession(cls.student.http);
    const build = await cls.student.http.post(`/session/${own}/message`, {
      body: { ...textPrompt('hi'), agent: 'build' },
    });
    expect(expectOk(build, 200, 'own project').info.agent).toBe('build');

    const patched = await cls.teacher.http.patch(`/classroom/assignments/${assignment}`, {
      body: { policy: { agents: ['plan', 'tutor'], default_agent: 'plan', allow_change: true } },
    });
    expectOk(patched, 200, 'unlock');
    const now = await cls.student.http.post(`/session/${id}/message`, {
      query,
      body: { ...textPrompt('hi'), agent: 'tutor' },
    });
    expect(expectOk(now, 200, 'after the change').info.agent).toBe('tutor');
  });
});
