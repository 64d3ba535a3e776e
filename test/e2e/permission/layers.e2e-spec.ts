import { FakeLlm, reply } from '../../fakes/llm';
import { createTenant, type TestTenant, type TestUser } from '../../factories/tenant.factory';
import { fakeProviderConfig } from '../../utils/fake-provider-config';
import { startTestApp, type TestApp } from '../../utils/test-app';
import { chatRequests, isChat } from '../agent/kit';

// Layers never widen (issue 21.3), written from the attacker's side: a student's own session rules, a project
// config, a command's arguments and a request for another agent or model all meet the school's decision.

let app: TestApp;
let llm: FakeLlm;

const commands = {
  // The span is the template's; the arguments fill the text around it, never the span.
  echoargs: { template: 'Echo: !`echo "[$ARGUMENTS]"` then $ARGUMENTS' },
  hostname: { template: 'Host: !`cat /etc/hostname`' },
};

// A second, cheaper model: a class policy may only name models the school has.
function twoModels() {
  const entry = { tool_call: true, limit: { context: 128000, output: 4096 } };
  return {
    fake: {
      npm: '@ai-sdk/openai-compatible',
      name: 'Fake',
      options: { baseURL: llm.openaiBaseUrl, apiKey: 'x' },
      models: { 'fake-model': { name: 'Fake', ...entry }, 'cheap-1': { name: 'Cheap', ...entry } },
    },
  };
}

beforeAll(async () => {
  llm = await FakeLlm.start({ chunkDelayMs: 0 });
  llm.setDefaultReply(reply().text('ok').stop());
  app = await startTestApp({
    OPENCODE_CONFIG_CONTENT: fakeProviderConfig(llm.openaiBaseUrl, { command: commands, provider: twoModels() }),
    SANDBOX: 'off',
  });
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

async function session(user: TestUser, body: Record<string, unknown> = {}): Promise<string> {
  const res = await user.http.post('/session', { body });
  expect(res.status).toBe(200);
  return res.body.id;
}

async function toolPart(user: TestUser, id: string) {
  const messages = (await user.http.get(`/session/${id}/message`)).body as {
    parts: { type: string; state?: { status: string; output?: string; error?: string } }[];
  }[];
  return messages.flatMap((m) => m.parts).find((p) => p.type === 'tool');
}

describe('a student cannot re-open what the school denies', () => {
  it('session created with their own bash allow rule: bash is not offered, a call to it does not run, /shell is 403', async () => {
    const s = await school({ permission: { bash: 'deny' } });
    // The student's project layer says allow too; neither is an upper layer.
    await s.student.http.patch('/config', { body: { permission: { bash: 'allow' } } });
    const id = await session(s.student, { permission: [{ permission: 'bash', pattern: '*', action: 'allow' }] });

    const before = llm.requests.length;
    llm.enqueueWhen(isChat, reply().tool('bash', { command: 'echo student-ran', description: 'x' }).stop());
    llm.enqueueWhen(isChat, reply().text('done').stop());
    expect(
      (await s.student.http.post(`/session/${id}/message`, { body: { parts: [{ type: 'text', text: 'run it' }] } }))
        .status,
    ).toBe(200);
    const sent = llm.requests.slice(before).filter(isChat)[0] as { body: { tools?: { function: { name: string } }[] } };
    const offered = (sent.body.tools ?? []).map((t) => t.function.name);
    expect(offered).toContain('read');
    expect(offered).not.toContain('bash');
    const part = await toolPart(s.student, id);
    expect(JSON.stringify(part?.state)).not.toContain('student-ran\n');

    const shell = await s.student.http.post(`/session/${id}/shell`, {
      body: { agent: 'build', command: 'echo shell-ran' },
    });
    expect(shell.status).toBe(403);
    expect(shell.body).toMatchObject({ name: 'ForbiddenError', data: { code: 'permission_denied' } });
    expect(JSON.stringify((await s.student.http.get(`/session/${id}/message`)).body)).not.toContain('shell-ran');
  });

  it('locked role rules hold on /shell too; a narrower pattern refuses only what it names', async () => {
    const s = await school({ role_permission: { student: { bash: { '*': 'allow', 'cat *': 'deny' } } } });
    const id = await session(s.student);
    expect(
      (await s.student.http.post(`/session/${id}/shell`, { body: { agent: 'build', command: 'cat /etc/hostname' } }))
        .status,
    ).toBe(403);
    // `echo hi && cat x`: one denied sub-command refuses the whole line, as for the bash tool.
    expect(
      (
        await s.student.http.post(`/session/${id}/shell`, {
          body: { agent: 'build', command: 'echo hi && cat /etc/hostname' },
        })
      ).status,
    ).toBe(403);
    const ok = await s.student.http.post(`/session/${id}/shell`, {
      body: { agent: 'build', command: 'echo allowed-ran' },
    });
    expect(ok.status).toBe(200);
    expect(JSON.stringify(ok.body)).toContain('allowed-ran');
    // The rule is the student role's: the school's admin is not bound by it.
    const adminSession = await session(s.admin);
    expect(
      (
        await s.admin.http.post(`/session/${adminSession}/shell`, {
          body: { agent: 'build', command: 'cat /etc/hostname' },
        })
      ).status,
    ).toBe(200);
  });
});

describe('command templates', () => {
  it('$ARGUMENTS inside a shell span is never substituted: arguments cannot inject commands', async () => {
    const s = await school();
    const id = await session(s.student);
    llm.enqueueWhen(isChat, reply().text('seen').stop());
    const res = await s.student.http.post(`/session/${id}/command`, {
      body: { command: 'echoargs', arguments: '"; echo PWNED-$((6*7)); echo "' },
    });
    expect(res.status).toBe(200);
    const sent = JSON.stringify(chatRequests(llm).at(-1)!.body);
    expect(sent).not.toContain('PWNED-42');
    // The span ran as written (bash saw an unset $ARGUMENTS); the arguments stayed text after it.
    expect(sent).toContain('Echo: []');
    expect(sent).toContain('PWNED-$((6*7))');
  });

  it("a template's shell span goes through the bash decision, role rules included", async () => {
    const s = await school({ role_permission: { student: { bash: { 'cat *': 'deny' } } } });
    const id = await session(s.student);
    const res = await s.student.http.post(`/session/${id}/command`, { body: { command: 'hostname', arguments: '' } });
    expect(res.status).toBe(403);
    expect(res.body.data.code).toBe('permission_denied');
  });
});

describe('allow-lists of agents and models', () => {
  it('a school keeps students on tutor: build is a typed 403, no agent means tutor, GET /agent lists only tutor', async () => {
    const s = await school({ role_access: { student: { agents: ['tutor'] } } });
    const id = await session(s.student);
    const refused = await s.student.http.post(`/session/${id}/message`, {
      body: { agent: 'build', parts: [{ type: 'text', text: 'hi' }] },
    });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ name: 'ForbiddenError', data: { code: 'agent_not_allowed', agent: 'build' } });
    expect(
      (await s.student.http.post(`/session/${id}/shell`, { body: { agent: 'build', command: 'echo x' } })).status,
    ).toBe(403);

    const ok = await s.student.http.post(`/session/${id}/message`, { body: { parts: [{ type: 'text', text: 'hi' }] } });
    expect(ok.status).toBe(200);
    expect(ok.body.info.agent).toBe('tutor');
    expect((await s.student.http.get('/agent')).body.map((a: { name: string }) => a.name)).toEqual(['tutor']);
    // Teachers are not students: the list is per role.
    expect((await s.teacher.http.get('/agent')).body.map((a: { name: string }) => a.name)).toContain('build');
  });

  it("a class narrows the school's models: the model is a typed 403 and GET /config/providers hides it", async () => {
    const s = await school();
    const cls = await s.admin.http.post('/admin/classes', { body: { name: 'cheap' } });
    await s.admin.http.post(`/admin/classes/${cls.body.id}/members`, {
      body: { userId: s.student.id, role: 'student' },
    });
    await s.admin.http.post(`/admin/classes/${cls.body.id}/members`, {
      body: { userId: s.teacher.id, role: 'teacher' },
    });
    // The class's own teacher may narrow it; a bad rule is a 400, not a silent drop.
    expect(
      (
        await s.teacher.http.put(`/admin/classes/${cls.body.id}/settings`, {
          body: { permission: { bash: 'sometimes' } },
        })
      ).status,
    ).toBe(400);
    const set = await s.teacher.http.put(`/admin/classes/${cls.body.id}/settings`, {
      body: { models: ['fake/cheap-*'], permission: { webfetch: 'deny' } },
    });
    expect(set.status).toBe(200);
    expect(set.body.settings).toEqual({ models: ['fake/cheap-*'], permission: { webfetch: 'deny' } });
    expect(
      (await s.student.http.put(`/admin/classes/${cls.body.id}/settings`, { body: { models: ['*'] } })).status,
    ).toBe(403);

    const id = await session(s.student);
    const refused = await s.student.http.post(`/session/${id}/message`, {
      body: { model: { providerID: 'fake', modelID: 'fake-model' }, parts: [{ type: 'text', text: 'hi' }] },
    });
    expect(refused.status).toBe(403);
    expect(refused.body.data).toMatchObject({ code: 'model_not_allowed', source: 'class cheap' });
    const listed = (await s.student.http.get('/config/providers')).body.providers as { models: object }[];
    expect(listed.map((p) => Object.keys(p.models))).toEqual([['cheap-1']]);
    expect((await s.teacher.http.get('/config/providers')).body.providers.map((p: { id: string }) => p.id)).toEqual([
      'fake',
    ]);
    // The summary runs on the model the request names: the same list applies.
    expect(
      (await s.student.http.post(`/session/${id}/summarize`, { body: { providerID: 'fake', modelID: 'fake-model' } }))
        .status,
    ).toBe(403);
  });
});
