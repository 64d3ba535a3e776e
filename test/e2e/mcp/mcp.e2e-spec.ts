import { createOpencodeClient } from '@opencode-ai/sdk';
import fs from 'node:fs/promises';
import path from 'node:path';
import { FakeLlm, isTitleRequest, reply, toolNames } from '../../fakes/llm';
import { everythingServerCommand, misbehavingServerCommand, startFakeMcpHttpServer } from '../../fakes/mcp';
import { createTenant, type TestTenant } from '../../factories/tenant.factory';
import { onHost } from '../../utils/host-path';
import { SseClient } from '../../utils/sse-client';
import { startTestApp, type TestApp } from '../../utils/test-app';
import { waitUntil } from '../../utils/wait-until';
import { fakeProviderConfig } from '../../utils/fake-provider-config';
import { createProject } from '../../utils/project';

// MCP through the whole app: servers from the platform config (the reference "everything" server over stdio,
// and one that crashes at start), the fake LLM calling an MCP tool through the agent loop, the OpenCode routes,
// and one school never seeing another's servers. Sandbox off: the server's entry lives in node_modules, which
// the bubblewrap sandbox does not mount.

let app: TestApp;
let llm: FakeLlm;
let school: TestTenant;
let other: TestTenant;
const streams: SseClient[] = [];

function platformConfig(baseUrl: string): string {
  return fakeProviderConfig(baseUrl, {
    mcp: {
      everything: { type: 'local', command: everythingServerCommand(), timeout: 20_000 },
      broken: { type: 'local', command: misbehavingServerCommand('crash') },
      flaky: { type: 'local', command: misbehavingServerCommand('serve') },
      mute: { type: 'local', command: misbehavingServerCommand('hang'), timeout: 1500 },
      firehose: { type: 'local', command: misbehavingServerCommand('flood-stdout'), timeout: 3000 },
    },
  });
}

beforeAll(async () => {
  llm = await FakeLlm.start({ chunkDelayMs: 0 });
  llm.setDefaultReply(reply().text('Default answer.').stop());
  // Remote fake MCP servers listen on 127.0.0.1, which the egress guard refuses unless the platform allows it.
  app = await startTestApp({
    OPENCODE_CONFIG_CONTENT: platformConfig(llm.openaiBaseUrl),
    SANDBOX: 'off',
    EGRESS_ALLOW: '127.0.0.1',
  });
  [school, other] = await Promise.all([createTenant(app.url, app.adminKey), createTenant(app.url, app.adminKey)]);
}, 120_000);

afterAll(async () => {
  for (const s of streams) s.close();
  await app?.close();
  await llm?.stop();
});

describe('MCP servers through the app', () => {
  it('GET /mcp: the everything server is connected; crashing, silent and flooding servers are failed with a reason', async () => {
    const res = await school.admin.http.get('/mcp');
    expect(res.status).toBe(200);
    expect(res.body.everything).toEqual({ status: 'connected' });
    expect(res.body.broken.status).toBe('failed');
    expect(res.body.broken.error).toMatch(/exit|closed|code 3|boom/i);
    expect(res.body.mute).toMatchObject({ status: 'failed', error: expect.stringMatching(/timed out|timeout/i) });
    expect(res.body.firehose.status).toBe('failed');
    // The API stays responsive.
    expect((await school.admin.http.get('/global/health')).status).toBe(200);
  });

  it('the fake LLM calls everything_echo through the loop; the result lands in the completed tool part', async () => {
    const client = createOpencodeClient({ baseUrl: app.url, headers: { authorization: `Bearer ${school.admin.key}` } });
    const session = (await client.session.create({ body: { title: 'mcp tool' } })).data!;
    const sse = await SseClient.open(app.url, `/event?sessionID=${session.id}`, {
      headers: { authorization: `Bearer ${school.admin.key}` },
    });
    streams.push(sse);
    llm.enqueueWhen(
      (r) => !isTitleRequest(r),
      reply().tool('everything_echo', { message: 'hello from the loop' }).stop(),
    );
    llm.enqueueWhen((r) => !isTitleRequest(r), reply().text('The server echoed it.').stop());
    const res = await client.session.prompt({
      path: { id: session.id },
      body: { parts: [{ type: 'text', text: 'echo something' }] },
    });
    expect(res.response.status).toBe(200);
    expect(res.data!.parts.find((p) => p.type === 'text')).toMatchObject({ text: 'The server echoed it.' });

    const modelRequests = llm.requests.filter((r) => !isTitleRequest(r));
    const offered = toolNames(modelRequests.at(-2)!.body);
    // MCP tools sit next to the built-ins, named <server>_<tool>; the failed server brings none.
    expect(offered).toEqual(expect.arrayContaining(['everything_echo', 'everything_get-sum', 'read', 'bash']));
    expect(offered.some((name) => name.startsWith('broken_'))).toBe(false);
    const echoSchema = (modelRequests.at(-2)!.body as any).tools.find(
      (t: any) => (t.function?.name ?? t.name) === 'everything_echo',
    );
    expect(JSON.stringify(echoSchema)).toContain('"message"');

    const messages = (await client.session.messages({ path: { id: session.id } })).data!;
    const toolPart: any = messages
      .flatMap((m) => m.parts)
      .find((p: any) => p.type === 'tool' && p.tool === 'everything_echo');
    expect(toolPart.state).toMatchObject({ status: 'completed', input: { message: 'hello from the loop' } });
    expect(toolPart.state.output).toContain('Echo: hello from the loop');
    // The model got the result back on its second request.
    expect(JSON.stringify(modelRequests.at(-1)!.body)).toContain('Echo: hello from the loop');
    const statuses = sse.events
      .filter((e: any) => e.type === 'message.part.updated' && e.properties.part.tool === 'everything_echo')
      .map((e: any) => e.properties.part.state.status);
    expect(statuses.at(-1)).toBe('completed');
    sse.close();
  });

  it('a tool the server rejects comes back as a tool error, and the session goes on', async () => {
    const client = createOpencodeClient({ baseUrl: app.url, headers: { authorization: `Bearer ${school.admin.key}` } });
    const session = (await client.session.create({ body: { title: 'mcp error' } })).data!;
    llm.enqueueWhen((r) => !isTitleRequest(r), reply().tool('everything_get-sum', { a: 'not a number' }).stop());
    llm.enqueueWhen((r) => !isTitleRequest(r), reply().text('Recovered.').stop());
    const res = await client.session.prompt({
      path: { id: session.id },
      body: { parts: [{ type: 'text', text: 'add' }] },
    });
    expect(res.data!.parts.find((p) => p.type === 'text')).toMatchObject({ text: 'Recovered.' });
    const messages = (await client.session.messages({ path: { id: session.id } })).data!;
    const toolPart: any = messages
      .flatMap((m) => m.parts)
      .find((p: any) => p.type === 'tool' && p.tool === 'everything_get-sum');
    expect(toolPart.state.status).toBe('error');
    expect(toolPart.state.error).toMatch(/number|invalid|expected/i);
  });

  it('a server that dies in the middle of a call: the tool part errors, the next step goes on without it, it comes back', async () => {
    const client = createOpencodeClient({ baseUrl: app.url, headers: { authorization: `Bearer ${school.admin.key}` } });
    const session = (await client.session.create({ body: { title: 'mcp crash' } })).data!;
    llm.enqueueWhen((r) => !isTitleRequest(r), reply().tool('flaky_crash', {}).stop());
    llm.enqueueWhen((r) => !isTitleRequest(r), reply().text('Carrying on without it.').stop());
    const res = await client.session.prompt({
      path: { id: session.id },
      body: { parts: [{ type: 'text', text: 'crash it' }] },
    });
    expect(res.data!.parts.find((p) => p.type === 'text')).toMatchObject({ text: 'Carrying on without it.' });
    const messages = (await client.session.messages({ path: { id: session.id } })).data!;
    const toolPart: any = messages
      .flatMap((m) => m.parts)
      .find((p: any) => p.type === 'tool' && p.tool === 'flaky_crash');
    expect(toolPart.state.status).toBe('error');
    expect(toolPart.state.error).toMatch(/flaky/);
    const requests = llm.requests.filter((r) => !isTitleRequest(r));
    expect(toolNames(requests.at(-2)!.body)).toContain('flaky_crash');
    // The step after the crash: the dead server's tools are gone, the others remain.
    const after = toolNames(requests.at(-1)!.body);
    expect(after.some((name) => name.startsWith('flaky_'))).toBe(false);
    expect(after).toContain('everything_echo');
    // The pool reconnects with backoff; the server starts cleanly again.
    const status = await waitUntil(
      'the crashed server to reconnect',
      async () => (await school.admin.http.get('/mcp')).body.flaky,
      (s) => s?.status === 'connected',
      { everyMs: 100 },
    );
    expect(status).toEqual({ status: 'connected' });
  });

  it('disconnect makes a server disabled; connect brings it back; unknown names are 404', async () => {
    const http = school.teacher.http;
    expect((await http.post('/mcp/everything/disconnect')).body).toBe(true);
    expect((await http.get('/mcp')).body.everything).toEqual({ status: 'disabled' });
    expect((await http.post('/mcp/everything/connect')).body).toBe(true);
    expect((await http.get('/mcp')).body.everything).toEqual({ status: 'connected' });
    expect((await http.post('/mcp/nope/connect')).status).toBe(404);
  });

  it('POST /mcp stores a server for the project (teachers and admins only) and validates the config', async () => {
    const teacher = school.teacher.http;
    const added = await teacher.post('/mcp', {
      query: { directory: 'mcp-lab' },
      body: { name: 'crashy', config: { type: 'local', command: misbehavingServerCommand('crash') } },
    });
    expect(added.status).toBe(200);
    expect(added.body.crashy.status).toBe('failed');
    expect(added.body.everything).toEqual({ status: 'connected' });
    // Stored for that project only: the teacher's default project does not have it.
    expect((await teacher.get('/mcp')).body.crashy).toBeUndefined();
    expect((await teacher.get('/mcp', { query: { directory: 'mcp-lab' } })).body.crashy.status).toBe('failed');

    const student = await school.student.http.post('/mcp', {
      body: { name: 'mine', config: { type: 'local', command: ['/bin/true'] } },
    });
    expect(student.status).toBe(403);
    const bad = await teacher.post('/mcp', { body: { name: 'bad', config: { type: 'local', command: [] } } });
    expect(bad.status).toBe(400);
    expect(bad.body.name).toBe('BadRequest');
    const noType = await teacher.post('/mcp', { body: { name: 'bad', config: { enabled: true } } });
    expect(noType.status).toBe(400);
    const badName = await teacher.post('/mcp', {
      body: { name: '../x', config: { type: 'remote', url: 'http://127.0.0.1:9/mcp' } },
    });
    expect(badName.status).toBe(400);
  });

  it("one school never sees or drives another's servers", async () => {
    const added = await school.admin.http.post('/mcp', {
      body: { name: 'private-one', config: { type: 'local', command: misbehavingServerCommand('crash') } },
    });
    expect(added.status).toBe(200);
    expect(added.body['private-one']).toBeDefined();
    const theirs = await other.admin.http.get('/mcp');
    expect(theirs.status).toBe(200);
    expect(theirs.body['private-one']).toBeUndefined();
    // Platform-config servers belong to every school, each with its own connection.
    expect(theirs.body.everything).toEqual({ status: 'connected' });
    for (const route of ['/mcp/private-one/connect', '/mcp/private-one/disconnect', '/mcp/private-one/auth']) {
      const res = await other.admin.http.post(route);
      expect(res.status).toBe(404);
    }
    expect((await other.admin.http.delete('/mcp/private-one/auth')).status).toBe(404);
    expect((await school.admin.http.get('/mcp')).body['private-one']).toBeDefined();
  });

  it("a school's own config layer (PATCH /global/config) adds and switches off servers for that school only", async () => {
    const patched = await school.admin.http.patch('/global/config', {
      body: {
        mcp: {
          'school-echo': { type: 'local', command: misbehavingServerCommand('serve') },
          flaky: { enabled: false },
        },
      },
    });
    expect(patched.status).toBe(200);
    const mine = (await school.teacher.http.get('/mcp')).body;
    expect(mine['school-echo']).toEqual({ status: 'connected' });
    expect(mine.flaky).toEqual({ status: 'disabled' });
    const theirs = (await other.teacher.http.get('/mcp')).body;
    expect(theirs['school-echo']).toBeUndefined();
    expect(theirs.flaky).toEqual({ status: 'connected' });
  });

  it('OAuth routes: authenticate is refused on a hosted server; auth without ENCRYPTION_KEYS is a clear 400', async () => {
    const http = school.admin.http;
    const authenticate = await http.post('/mcp/everything/auth/authenticate');
    expect(authenticate.status).toBe(400);
    expect(authenticate.body.name).toBe('McpUnsupportedOAuthError');
    expect(authenticate.body.data.message).toMatch(/auth\/callback/);
    const start = await http.post('/mcp/everything/auth');
    expect(start.status).toBe(400);
    expect(start.body.data.message).toMatch(/ENCRYPTION_KEYS/);
    expect((await http.delete('/mcp/everything/auth')).body).toEqual({ success: true });
    expect((await http.post('/mcp/everything/auth/callback', { body: {} })).status).toBe(400);
  });

  it('GET /command lists MCP prompts and skills; running a prompt sends its messages with the arguments in place', async () => {
    const http = school.admin.http;
    const worktree = onHost(app, (await createProject(http)).worktree);
    const skillDir = path.join(worktree, '.opencode', 'skills', 'tidy-code');
    await fs.mkdir(skillDir, { recursive: true });
    await fs.writeFile(
      path.join(skillDir, 'SKILL.md'),
      '---\nname: tidy-code\ndescription: How we keep code tidy\n---\nKeep functions short.\n',
    );

    const listed = await http.get('/command');
    expect(listed.status).toBe(200);
    const byName = Object.fromEntries((listed.body as any[]).map((c) => [c.name, c]));
    expect(byName['everything:args-prompt']).toMatchObject({
      source: 'mcp',
      hints: ['$1', '$2'],
      template: "What's weather in $1, $2?",
    });
    expect(byName['tidy-code']).toEqual({
      name: 'tidy-code',
      description: 'How we keep code tidy',
      source: 'skill',
      template: 'Keep functions short.',
      hints: [],
    });
    expect(byName.init.source).toBe('command');
    // Another school has the same servers configured but not this project's skill.
    const theirs = Object.fromEntries(((await other.admin.http.get('/command')).body as any[]).map((c) => [c.name, c]));
    expect(theirs['tidy-code']).toBeUndefined();

    const session = (await http.post('/session', { body: {} })).body.id as string;
    const lastChat = () => JSON.stringify(llm.requests.filter((r) => !isTitleRequest(r)).at(-1)!.body);
    llm.enqueueWhen((r) => !isTitleRequest(r), reply().text('Sunny.').stop());
    const ran = await http.post(`/session/${session}/command`, {
      body: { command: 'everything:args-prompt', arguments: 'Paris metric' },
    });
    expect(ran.status).toBe(200);
    expect(lastChat()).toContain("What's weather in Paris, metric?");
    llm.enqueueWhen((r) => !isTitleRequest(r), reply().text('Tidied.').stop());
    expect(
      (await http.post(`/session/${session}/command`, { body: { command: 'tidy-code', arguments: 'src/app.ts' } }))
        .status,
    ).toBe(200);
    expect(lastChat()).toContain('Keep functions short.');
    expect(lastChat()).toContain('src/app.ts');
  });

  it("an MCP prompt's text is sent as written: a shell span in it is not run", async () => {
    const remote = await startFakeMcpHttpServer();
    try {
      const tenant = await createTenant(app.url, app.adminKey);
      const added = await tenant.admin.http.post('/mcp', {
        body: { name: 'fake', config: { type: 'remote', url: remote.url } },
      });
      expect(added.body.fake).toEqual({ status: 'connected' });
      const listed = ((await tenant.admin.http.get('/command')).body as any[]).find(
        (c) => c.name === 'fake:shell-bait',
      );
      expect(listed).toMatchObject({ source: 'mcp', hints: ['$1'], template: 'About $1: !`echo INJECTED-$((6*7))`' });
      const session = (await tenant.admin.http.post('/session', { body: {} })).body.id as string;
      llm.enqueueWhen((r) => !isTitleRequest(r), reply().text('Noted.').stop());
      expect(
        (
          await tenant.admin.http.post(`/session/${session}/command`, {
            body: { command: 'fake:shell-bait', arguments: 'sandboxes' },
          })
        ).status,
      ).toBe(200);
      const sent = JSON.stringify(llm.requests.filter((r) => !isTitleRequest(r)).at(-1)!.body);
      expect(sent).toContain('About sandboxes: !`echo INJECTED-$((6*7))`');
      expect(sent).not.toContain('INJECTED-42');
    } finally {
      await remote.close();
    }
  });

  it("GET /experimental/resource lists the connected servers' resources", async () => {
    const res = await school.admin.http.get('/experimental/resource');
    expect(res.status).toBe(200);
    const entries = Object.entries(res.body as Record<string, any>);
    expect(entries.length).toBeGreaterThan(0);
    const [key, resource] = entries[0];
    expect(key.startsWith('everything:')).toBe(true);
    expect(resource).toMatchObject({ client: 'everything', uri: expect.any(String), name: expect.any(String) });
  });
});
