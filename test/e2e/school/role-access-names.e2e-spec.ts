import { createTenant, type TestTenant } from '../../factories/tenant.factory';
import { fakeProviderConfig } from '../../utils/fake-provider-config';
import { startTestApp, type TestApp } from '../../utils/test-app';

// `role_access` in a school's config names agents and models: a name the school does not have would silently allow
// or refuse nothing, so PATCH /global/config checks every list against what the school will have once the change is
// stored (400, OpenCode's error shape, the unknown entries named). From the careless admin's side (typos, a
// wildcard that matches nothing, removing an agent a list still names) and the attacker's (another school's agent).

jest.setTimeout(120_000);

let app: TestApp;
let school: TestTenant;
let other: TestTenant;

beforeAll(async () => {
  app = await startTestApp({
    OPENCODE_CONFIG_CONTENT: fakeProviderConfig('http://127.0.0.1:9/v1', {}, {}, { 'fake-cheap': { name: 'Cheap' } }),
    SANDBOX: 'off',
  });
  [school, other] = await Promise.all([createTenant(app.url, app.adminKey), createTenant(app.url, app.adminKey)]);
  // The other school has an agent of its own.
  const lab = await other.admin.http.patch('/global/config', {
    body: { agent: { 'other-lab': { mode: 'primary', description: 'Their lab', prompt: 'Lab.' } } },
  });
  expect(lab.status).toBe(200);
});

afterAll(async () => {
  await app?.close();
});

const patch = (tenant: TestTenant, body: Record<string, unknown>) =>
  tenant.admin.http.patch('/global/config', { body });
const stored = async (tenant: TestTenant) => (await tenant.admin.http.get('/global/config')).body.role_access;

describe('a careless school admin', () => {
  it('a typo in an agent name is a 400 naming it, and nothing is stored', async () => {
    const res = await patch(school, { role_access: { student: { agents: ['tutr', 'plan'] } } });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      name: 'BadRequest',
      data: { code: 'policy_unknown_agent', unknown: ['tutr'] },
    });
    expect(res.body.data.message).toContain('Unknown agent in role_access.student: tutr');
    expect(res.body.data.message).toContain('tutor');
    expect(await stored(school)).toBeUndefined();
  });

  it('a typo in a model, a wildcard that matches nothing and an unknown default are named too', async () => {
    const res = await patch(school, {
      role_access: { teacher: { models: ['fake/fake-modle', 'fake/*', 'openai/gpt-*'], default_model: 'fake/nope' } },
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      name: 'BadRequest',
      data: { code: 'policy_unknown_model', unknown: ['fake/fake-modle', 'openai/gpt-*', 'fake/nope'] },
    });
    const tools = await patch(school, { role_access: { student: { tools: { bassh: false } } } });
    expect(tools.status).toBe(400);
    expect(tools.body.data).toMatchObject({ code: 'policy_unknown_tool', unknown: ['bassh'] });
    expect(await stored(school)).toBeUndefined();
  });

  it('lists of agents and models the school has are stored, with its own agent named in the same change', async () => {
    const res = await patch(school, {
      agent: { lab: { mode: 'primary', description: 'Our lab', prompt: 'Lab.' } },
      role_access: {
        student: { agents: ['tutor', 'lab'], models: ['fake/fake-cheap'], default_agent: 'tutor' },
        teacher: { models: ['fake/*'] },
      },
    });
    expect(res.status).toBe(200);
    expect(await stored(school)).toMatchObject({
      student: { agents: ['tutor', 'lab'], models: ['fake/fake-cheap'] },
      teacher: { models: ['fake/*'] },
    });
    // The students see exactly those agents.
    const agents = (await school.student.http.get('/agent')).body.map((a: { name: string }) => a.name);
    expect(agents).toEqual(expect.arrayContaining(['tutor', 'lab']));
    expect(agents).not.toContain('build');
  });

  it('removing an agent a list still names is refused until the list changes with it', async () => {
    const res = await patch(school, { agent: { lab: { disable: true } } });
    expect(res.status).toBe(400);
    expect(res.body.data).toMatchObject({ code: 'policy_unknown_agent', unknown: ['lab'] });
    const together = await patch(school, {
      agent: { lab: { disable: true } },
      role_access: { student: { agents: ['tutor'], models: ['fake/fake-cheap'], default_agent: 'tutor' } },
    });
    expect(together.status).toBe(200);
    expect((await stored(school)).student.agents).toEqual(['tutor']);
  });

  it('a change that touches neither the lists nor what they name is not held up by them', async () => {
    const res = await patch(school, { instructions: ['RULES.md'] });
    expect(res.status).toBe(200);
  });
});

describe('the attacker side', () => {
  it("a school admin cannot name another school's agent, and the error lists only their own", async () => {
    const res = await patch(school, { role_access: { student: { agents: ['other-lab'] } } });
    expect(res.status).toBe(400);
    expect(res.body.data).toMatchObject({ code: 'policy_unknown_agent', unknown: ['other-lab'] });
    const known = res.body.data.message.split('(known: ')[1];
    expect(known).toBeDefined();
    expect(known).not.toContain('other-lab');
    // The other school's own list naming it is fine.
    expect((await patch(other, { role_access: { student: { agents: ['other-lab', 'tutor'] } } })).status).toBe(200);
  });

  it('teachers and students cannot set role_access at all', async () => {
    for (const user of [school.teacher, school.student]) {
      const res = await user.http.patch('/global/config', { body: { role_access: { student: { agents: ['*'] } } } });
      expect(res.status).toBe(403);
      expect(res.body.name).toBe('ForbiddenError');
    }
    expect((await stored(school)).student.agents).toEqual(['tutor']);
  });
});
