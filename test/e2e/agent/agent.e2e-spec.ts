import fs from 'node:fs/promises';
import path from 'node:path';
import { FakeLlm, reply } from '../../fakes/llm';
import { createTenant, type TestTenant } from '../../factories/tenant.factory';
import { SseClient } from '../../utils/sse-client';
import { onHost } from '../../utils/host-path';
import { startTestApp, type TestApp } from '../../utils/test-app';
import { chatRequests, isChat, sdk, sdk2, systemText, toolNames, toolResults } from './kit';
import { fakeProviderConfig } from '../../utils/fake-provider-config';

// Boots a whole app on a shared, busy machine.
jest.setTimeout(120_000);

// Agents as the provider sees them (system prompt and tool list), subagents through the task tool, plan
// mode switches, instruction files and skills.

let app: TestApp;
let llm: FakeLlm;
let school: TestTenant;
const streams: SseClient[] = [];

beforeAll(async () => {
  llm = await FakeLlm.start({ chunkDelayMs: 0 });
  llm.setDefaultReply(reply().text('Default answer.').stop());
  app = await startTestApp({
    OPENCODE_CONFIG_CONTENT: fakeProviderConfig(llm.openaiBaseUrl),
    SANDBOX: 'off',
    RETRY_MAX_ATTEMPTS: '0',
  });
  school = await createTenant(app.url, app.adminKey);
}, 180_000);

afterAll(async () => {
  for (const s of streams) s.close();
  await app?.close();
  await llm?.stop();
}, 120_000);

/** The session, with `directory` on the host (where the test puts files) and `shown` as the API showed it. */
async function newSession(key: string, title: string) {
  const session = (await sdk(app.url, key).session.create({ body: { title } })).data!;
  return { ...session, directory: onHost(app, session.directory), shown: session.directory };
}

async function toolParts(key: string, sessionId: string): Promise<any[]> {
  const messages = (await sdk(app.url, key).session.messages({ path: { id: sessionId } })).data!;
  return messages.flatMap((m) => m.parts).filter((p) => p.type === 'tool');
}

describe('agents as sent to the provider', () => {
  it('tutor: its own system prompt; question/read/grep/task offered, plan switches and lsp not; build differs', async () => {
    const key = school.student.key;
    const session = await newSession(key, 'tutor');
    llm.enqueueWhen(isChat, reply().text('What do you think the loop does?').stop());
    await sdk(app.url, key).session.prompt({
      path: { id: session.id },
      body: { agent: 'tutor', parts: [{ type: 'text', text: 'solve it for me' }] },
    });
    const tutor = chatRequests(llm).at(-1)!.body;
    const system = systemText(tutor);
    expect(system).toContain('You are a patient programming tutor');
    expect(system).toContain('A finished solution written by you is a failure');
    const tools = toolNames(tutor);
    for (const t of ['question', 'read', 'grep', 'glob', 'bash', 'task', 'skill']) expect(tools).toContain(t);
    for (const t of ['plan_enter', 'plan_exit', 'lsp', 'batch', 'invalid']) expect(tools).not.toContain(t);

    const build = await newSession(key, 'build');
    llm.enqueueWhen(isChat, reply().text('Here you go.').stop());
    await sdk(app.url, key).session.prompt({ path: { id: build.id }, body: { parts: [{ type: 'text', text: 'hi' }] } });
    const buildBody = chatRequests(llm).at(-1)!.body;
    expect(systemText(buildBody)).not.toContain('patient programming tutor');
    expect(toolNames(buildBody)).toContain('plan_enter');
    expect(toolNames(buildBody)).not.toContain('plan_exit');
  });

  it('tutor: delegating to a subagent other than explore is refused', async () => {
    const key = school.student.key;
    const session = await newSession(key, 'tutor task');
    llm.enqueueWhen(
      isChat,
      reply().tool('task', { description: 'write solution', prompt: 'write it', subagent_type: 'general' }).stop(),
    );
    llm.enqueueWhen(isChat, reply().text('I will guide you instead.').stop());
    await sdk(app.url, key).session.prompt({
      path: { id: session.id },
      body: { agent: 'tutor', parts: [{ type: 'text', text: 'go' }] },
    });
    const [part] = await toolParts(key, session.id);
    expect(part.state.status).toBe('error');
    expect(part.state.error).toContain('blocked by a permission rule');
    expect((await sdk(app.url, key).session.children({ path: { id: session.id } })).data).toEqual([]);
  });
});

describe('task: subagents in child sessions', () => {
  it('runs explore in a child session and returns its final text in a <task> block', async () => {
    const key = school.admin.key;
    const session = await newSession(key, 'delegate');
    llm.enqueueWhen(
      isChat,
      reply()
        .tool('task', { description: 'Find the loop', prompt: 'Where is the main loop?', subagent_type: 'explore' })
        .stop(),
    );
    llm.enqueueWhen(isChat, reply().text('The loop is in main.py, line 3.').stop());
    llm.enqueueWhen(isChat, reply().text('Found it: main.py line 3.').stop());
    const before = chatRequests(llm).length;
    const res = await sdk(app.url, key).session.prompt({
      path: { id: session.id },
      body: { parts: [{ type: 'text', text: 'where is the loop?' }] },
    });
    expect(res.data!.parts.find((p) => p.type === 'text')).toMatchObject({ text: 'Found it: main.py line 3.' });

    const [part] = await toolParts(key, session.id);
    expect(part.state.status).toBe('completed');
    const childId = part.state.metadata.sessionId as string;
    expect(childId).toMatch(/^ses_/);
    expect(part.state.metadata.parentSessionId).toBe(session.id);
    expect(part.state.output).toBe(
      `<task id="${childId}" state="completed">\n<task_result>\nThe loop is in main.py, line 3.\n</task_result>\n</task>`,
    );

    const children = (await sdk(app.url, key).session.children({ path: { id: session.id } })).data!;
    expect(children).toHaveLength(1);
    expect(children[0]).toMatchObject({
      id: childId,
      parentID: session.id,
      title: 'Find the loop (@explore subagent)',
    });
    const childMessages = (await sdk(app.url, key).session.messages({ path: { id: childId } })).data!;
    expect(childMessages[0].info).toMatchObject({ role: 'user', agent: 'explore' });
    expect(childMessages[0].parts[0]).toMatchObject({ type: 'text', text: 'Where is the main loop?' });

    // The child's request: explore's prompt and read-only tools, no todo list, no further delegation.
    const [, child, parentAgain] = chatRequests(llm).slice(before);
    expect(systemText(child.body)).toContain('You are a search specialist');
    const childTools = toolNames(child.body);
    expect(childTools).toEqual(expect.arrayContaining(['read', 'grep', 'glob', 'bash']));
    for (const t of ['write', 'edit', 'task', 'todowrite', 'question']) expect(childTools).not.toContain(t);
    expect(toolResults(parentAgain.body).join('\n')).toContain(
      '<task_result>\nThe loop is in main.py, line 3.\n</task_result>',
    );
  });

  it('an unknown subagent is a tool error listing the available ones', async () => {
    const key = school.admin.key;
    const session = await newSession(key, 'unknown agent');
    llm.enqueueWhen(isChat, reply().tool('task', { description: 'x', prompt: 'y', subagent_type: 'wizard' }).stop());
    llm.enqueueWhen(isChat, reply().text('ok').stop());
    await sdk(app.url, key).session.prompt({
      path: { id: session.id },
      body: { parts: [{ type: 'text', text: 'go' }] },
    });
    const [part] = await toolParts(key, session.id);
    expect(part.state.status).toBe('error');
    expect(part.state.error).toContain('Unknown subagent "wizard"');
    expect(part.state.error).toContain('explore');
    expect(part.state.error).toContain('general');
  });

  it('aborting the parent aborts the running child session', async () => {
    const key = school.admin.key;
    const session = await newSession(key, 'abort cascade');
    const sse = await SseClient.open(app.url, '/event', { headers: { authorization: `Bearer ${key}` } });
    streams.push(sse);
    llm.enqueueWhen(
      isChat,
      reply().tool('task', { description: 'Slow research', prompt: 'take your time', subagent_type: 'general' }).stop(),
    );
    llm.enqueueWhen(isChat, reply().text('partial research that never ends').hangAfter(2));
    await sdk(app.url, key).session.promptAsync({
      path: { id: session.id },
      body: { parts: [{ type: 'text', text: 'go' }] },
    });
    const created = await sse.waitForType('session.created', 10_000, (e) => e.properties.info.parentID === session.id);
    const childId = created.data.properties.sessionID;
    await sse.waitForType('message.part.delta', 10_000, (e) => e.properties.sessionID === childId);
    await sdk(app.url, key).session.abort({ path: { id: session.id } });
    await sse.waitForType('session.idle', 10_000, (e) => e.properties.sessionID === childId);
    await sse.waitForType('session.idle', 10_000, (e) => e.properties.sessionID === session.id);
    const childLast = (await sdk(app.url, key).session.messages({ path: { id: childId } })).data!.at(-1)!;
    expect(childLast.info).toMatchObject({ role: 'assistant', error: { name: 'MessageAbortedError' } });
    const [part] = await toolParts(key, session.id);
    expect(part.state.status).toBe('error');
  });
});

describe('plan mode switches', () => {
  it('plan_enter asks the user; on "Yes" the next step runs as the plan agent', async () => {
    const key = school.admin.key;
    const session = await newSession(key, 'plan first');
    const sse = await SseClient.open(app.url, `/event?sessionID=${session.id}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    streams.push(sse);
    llm.enqueueWhen(isChat, reply().tool('plan_enter', {}).stop());
    llm.enqueueWhen(isChat, reply().text('Planning now.').stop());
    const before = chatRequests(llm).length;
    const pending = sdk(app.url, key).session.prompt({
      path: { id: session.id },
      body: { parts: [{ type: 'text', text: 'big refactor' }] },
    });
    const asked = (await sse.waitForType('question.asked', 10_000)).data.properties;
    expect(asked.questions[0].options.map((o: { label: string }) => o.label)).toEqual(['Yes', 'No']);
    await sdk2(app.url, key).question.reply({ requestID: asked.id, answers: [['Yes']] });
    await pending;
    const next = chatRequests(llm)[before + 1].body;
    expect(toolNames(next)).toContain('plan_exit');
    expect(toolNames(next)).not.toContain('plan_enter');
    const messages = (await sdk(app.url, key).session.messages({ path: { id: session.id } })).data!;
    expect(messages.at(-1)!.info).toMatchObject({ role: 'assistant', agent: 'plan' });
    expect(messages.some((m) => m.info.role === 'user' && (m.info as { agent: string }).agent === 'plan')).toBe(true);
  });
});

describe('instructions and skills', () => {
  it('AGENTS.md in the project folder and tenant instruction files are folded into the system prompt', async () => {
    const key = school.teacher.key;
    const session = await newSession(key, 'instructions');
    await fs.writeFile(path.join(session.directory, 'AGENTS.md'), '# House rules\nAlways answer in French.\n');
    const tenantDir = path.join(app.dataDir, 'tenant', school.id, 'instructions');
    await fs.mkdir(tenantDir, { recursive: true });
    await fs.writeFile(path.join(tenantDir, 'school.md'), 'Students are 14 years old; keep explanations simple.\n');
    // Config `instructions`: globs inside the project folder are read; URLs and paths outside are not.
    await fs.mkdir(path.join(session.directory, 'docs'), { recursive: true });
    await fs.writeFile(path.join(session.directory, 'docs', 'style.md'), 'Use four spaces for indentation.\n');
    const patched = await fetch(`${app.url}/config`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        instructions: ['docs/*.md', '../../*.md', '/etc/hostname', 'https://example.com/rules.md'],
      }),
    });
    expect(patched.status).toBe(200);
    llm.enqueueWhen(isChat, reply().text('Bonjour.').stop());
    await sdk(app.url, key).session.prompt({
      path: { id: session.id },
      body: { parts: [{ type: 'text', text: 'hello' }] },
    });
    const system = systemText(chatRequests(llm).at(-1)!.body);
    expect(system).toContain(
      `Instructions from: ${path.join(session.directory, 'docs', 'style.md')}\nUse four spaces for indentation.`,
    );
    expect(system).not.toContain('/etc/hostname');
    expect(system).not.toContain('example.com');
    expect(system).toContain(`Instructions from: ${path.join(session.directory, 'AGENTS.md')}`);
    expect(system).toContain('Always answer in French.');
    expect(system).toContain('keep explanations simple');
    expect(system.indexOf('keep explanations simple')).toBeLessThan(system.indexOf('Always answer in French.'));
  });

  it('a school defines its own agent in its config layer: listed by GET /agent, its prompt drives the step', async () => {
    const own = await createTenant(app.url, app.adminKey);
    const agent = {
      description: 'Reviews code like the school asks',
      mode: 'primary',
      prompt: 'You are the school reviewer. Quote the line you comment on.',
    };
    const patched = await fetch(`${app.url}/global/config`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${own.admin.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ agent: { reviewer: agent } }),
    });
    expect(patched.status).toBe(200);
    const agents = (await sdk(app.url, own.student.key).app.agents()).data as { name: string; description?: string }[];
    expect(agents).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'reviewer', description: agent.description })]),
    );
    // Another school does not see it.
    const others = (await sdk(app.url, school.student.key).app.agents()).data as { name: string }[];
    expect(others.map((a) => a.name)).not.toContain('reviewer');
    const session = await newSession(own.student.key, 'reviewer');
    llm.enqueueWhen(isChat, reply().text('Line 3 reads badly.').stop());
    await sdk(app.url, own.student.key).session.prompt({
      path: { id: session.id },
      body: { agent: 'reviewer', parts: [{ type: 'text', text: 'review please' }] },
    });
    expect(systemText(chatRequests(llm).at(-1)!.body)).toContain('You are the school reviewer.');
  });

  it('tool_output limits from the config bound what the model sees of a long tool result', async () => {
    const own = await createTenant(app.url, app.adminKey);
    const patched = await fetch(`${app.url}/global/config`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${own.admin.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tool_output: { max_lines: 3 } }),
    });
    expect(patched.status).toBe(200);
    const session = await newSession(own.admin.key, 'long output');
    // The skill tool's output (the skill's text) is bounded by the config; read and bash bound their own.
    const dir = path.join(session.directory, '.opencode', 'skills', 'long-notes');
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(
      path.join(dir, 'SKILL.md'),
      `---\nname: long-notes\ndescription: Long notes\n---\n${Array.from({ length: 40 }, (_, i) => `line ${i + 1}`).join('\n')}\n`,
    );
    llm.enqueueWhen(isChat, reply().tool('skill', { name: 'long-notes' }).stop());
    llm.enqueueWhen(isChat, reply().text('Read it.').stop());
    await sdk(app.url, own.admin.key).session.prompt({
      path: { id: session.id },
      body: { parts: [{ type: 'text', text: 'load the notes' }] },
    });
    const [result] = toolResults(chatRequests(llm).at(-1)!.body);
    expect(result).not.toContain('line 39');
    expect(result).toMatch(/more lines? not shown/);
  });

  it('GET /skill lists project skills in OpenCode shape; the skill tool loads one; the list is in the system prompt', async () => {
    const key = school.student.key;
    const session = await newSession(key, 'skills');
    const dir = path.join(session.directory, '.opencode', 'skills', 'unit-tests');
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(
      path.join(dir, 'SKILL.md'),
      '---\nname: unit-tests\ndescription: How this course writes unit tests\n---\n# Unit tests\nUse pytest and one assert per test.\n',
    );
    await fs.writeFile(path.join(dir, 'example_test.py'), 'def test_one():\n    assert 1 == 1\n');
    await fs.mkdir(path.join(session.directory, '.opencode', 'skills', 'broken'), { recursive: true });
    await fs.writeFile(
      path.join(session.directory, '.opencode', 'skills', 'broken', 'SKILL.md'),
      'no front matter at all',
    );

    // A tenant-wide skill from the school's shared folder, visible in every project of the tenant.
    const shared = path.join(app.dataDir, 'tenant', school.id, 'skills', 'house-style');
    await fs.mkdir(shared, { recursive: true });
    await fs.writeFile(
      path.join(shared, 'SKILL.md'),
      '---\nname: house-style\ndescription: The school code style\n---\nName things clearly.\n',
    );

    const listed = await sdk2(app.url, key).app.skills();
    expect(listed.data).toEqual([
      {
        name: 'house-style',
        description: 'The school code style',
        // Shown as a school's user sees the server's paths (docs/security.md, "Host paths").
        location: '/opencode/tenant/skills/house-style/SKILL.md',
        content: 'Name things clearly.',
      },
      {
        name: 'unit-tests',
        description: 'How this course writes unit tests',
        location: `${session.shown}/.opencode/skills/unit-tests/SKILL.md`,
        content: '# Unit tests\nUse pytest and one assert per test.',
      },
    ]);
    // The teacher's project is a different folder: only the shared skill there.
    const teacher = await sdk2(app.url, school.teacher.key).app.skills();
    expect(teacher.data!.map((s) => s.name)).toEqual(['house-style']);

    llm.enqueueWhen(isChat, reply().tool('skill', { name: 'unit-tests' }).stop());
    llm.enqueueWhen(isChat, reply().text('Loaded.').stop());
    const before = chatRequests(llm).length;
    await sdk(app.url, key).session.prompt({
      path: { id: session.id },
      body: { parts: [{ type: 'text', text: 'write tests' }] },
    });
    const [first, second] = chatRequests(llm).slice(before);
    expect(systemText(first.body)).toContain('<name>unit-tests</name>');
    const result = toolResults(second.body).join('\n');
    expect(result).toContain('<skill_content name="unit-tests">');
    expect(result).toContain('Use pytest and one assert per test.');
    expect(result).toContain(`Base directory for this skill: ${dir}`);
    expect(result).toContain(`${dir}/example_test.py`);
  });
});

describe('experimental tool routes', () => {
  it('GET /experimental/tool/ids and /experimental/tool in OpenCode shape', async () => {
    const client = sdk2(app.url, school.admin.key);
    const ids = (await client.tool.ids()).data as string[];
    expect(ids).toEqual(
      expect.arrayContaining([
        'bash',
        'read',
        'question',
        'task',
        'skill',
        'plan_enter',
        'plan_exit',
        'lsp',
        'batch',
        'todowrite',
      ]),
    );
    // No EXA_API_KEY here: web and code search are offered through the keyless fallback (issue 19 item 6).
    expect(ids).toEqual(expect.arrayContaining(['websearch', 'codesearch']));
    expect(ids).not.toContain('invalid');
    const tools = (await client.tool.list({ provider: 'fake', model: 'fake-model' })).data as {
      id: string;
      description: string;
      parameters: any;
    }[];
    const question = tools.find((t) => t.id === 'question')!;
    expect(question.description.length).toBeGreaterThan(20);
    expect(question.parameters).toMatchObject({ type: 'object', properties: { questions: { type: 'array' } } });
    expect(tools.map((t) => t.id)).not.toContain('plan_exit');
    expect(tools.map((t) => t.id)).not.toContain('lsp');
  });

  it('GET /experimental/tool resolves the model like a prompt: provider-side id picks apply_patch, tool_call false offers none', async () => {
    const tenant = await createTenant(app.url, app.adminKey);
    const models = { coder: { id: 'gpt-5-codex', tool_call: true }, mute: { tool_call: false } };
    const patched = await fetch(`${app.url}/global/config`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${tenant.admin.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ provider: { fake: { models } } }),
    });
    expect(patched.status).toBe(200);
    const list = (model: string) =>
      fetch(`${app.url}/experimental/tool?provider=fake&model=${model}`, {
        headers: { authorization: `Bearer ${tenant.admin.key}` },
      });
    const coder = ((await (await list('coder')).json()) as { id: string }[]).map((t) => t.id);
    expect(coder).toContain('apply_patch');
    expect(coder).not.toContain('edit');
    expect(await (await list('mute')).json()).toEqual([]);
    const unknown = await list('no-such-model');
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ name: 'ProviderModelNotFoundError' });
  });

  it('batch is offered only with experimental.batch_tool and runs independent calls in parallel', async () => {
    const tenant = await createTenant(app.url, app.adminKey);
    const key = tenant.admin.key;
    const session = await newSession(key, 'batch');
    await fs.writeFile(path.join(session.directory, 'a.txt'), 'alpha\n');
    await fs.writeFile(path.join(session.directory, 'b.txt'), 'beta\n');
    llm.enqueueWhen(isChat, reply().text('no batch yet').stop());
    await sdk(app.url, key).session.prompt({
      path: { id: session.id },
      body: { parts: [{ type: 'text', text: 'hi' }] },
    });
    expect(toolNames(chatRequests(llm).at(-1)!.body)).not.toContain('batch');

    const patched = await fetch(`${app.url}/global/config`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ experimental: { batch_tool: true } }),
    });
    expect(patched.status).toBe(200);
    await new Promise((r) => setTimeout(r, 5100)); // the effective config is cached for 5 s
    llm.enqueueWhen(
      isChat,
      reply()
        .tool('batch', {
          tool_calls: [
            { tool: 'read', parameters: { filePath: 'a.txt' } },
            { tool: 'read', parameters: { filePath: 'b.txt' } },
            { tool: 'question', parameters: {} },
          ],
        })
        .stop(),
    );
    llm.enqueueWhen(isChat, reply().text('read both').stop());
    const before = chatRequests(llm).length;
    await sdk(app.url, key).session.prompt({
      path: { id: session.id },
      body: { parts: [{ type: 'text', text: 'read both files' }] },
    });
    const [first] = chatRequests(llm).slice(before);
    expect(toolNames(first.body)).toContain('batch');
    const [part] = await toolParts(key, session.id);
    expect(part.state.status).toBe('completed');
    expect(part.state.title).toBe('2/3 calls succeeded');
    expect(part.state.output).toContain('alpha');
    expect(part.state.output).toContain('beta');
    expect(part.state.output).toContain('"question" cannot be used inside batch');
  });
});
