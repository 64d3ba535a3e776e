import { createOpencodeClient } from '@opencode-ai/sdk';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { FakeLlm, hang, isTitleRequest, reply } from '../../fakes/llm';
import { createTenant, createUser, type TestTenant } from '../../factories/tenant.factory';
import { request } from '../../utils/http';
import { onHost } from '../../utils/host-path';
import { SseClient } from '../../utils/sse-client';
import { startTestApp, type TestApp } from '../../utils/test-app';
import { waitUntil } from '../../utils/wait-until';
import { fakeProviderConfig } from '../../utils/fake-provider-config';

// Snapshots, diff/summary, revert/unrevert and the session's file state, driven through @opencode-ai/sdk with a
// fake LLM whose `write` tool calls really change files in the session's workspace.

let app: TestApp;
let llm: FakeLlm;
let school: TestTenant;
const streams: SseClient[] = [];
// Booting and closing a whole app can take a minute on a loaded shared machine.
const BOOT_MS = 180_000;
// Multi-step prompts take seconds each when 8 engineers share 2 cores.
jest.setTimeout(150_000);

function sdk(key: string) {
  return createOpencodeClient({ baseUrl: app.url, headers: { authorization: `Bearer ${key}` } });
}

const answer = (script: Parameters<FakeLlm['enqueueWhen']>[1]) => llm.enqueueWhen((r) => !isTitleRequest(r), script);

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  return (await waitUntil(what, probe, undefined, { timeoutMs, everyMs: 50 })) as T;
}

beforeAll(async () => {
  llm = await FakeLlm.start({ chunkDelayMs: 0 });
  llm.setDefaultReply(reply().text('Default answer.').stop());
  app = await startTestApp({ OPENCODE_CONFIG_CONTENT: fakeProviderConfig(llm.openaiBaseUrl) });
  school = await createTenant(app.url, app.adminKey);
}, BOOT_MS);

afterAll(async () => {
  for (const s of streams) s.close();
  await app?.close();
  await llm?.stop();
}, BOOT_MS);

describe('snapshots, diff and revert through @opencode-ai/sdk', () => {
  it('an edit step records snapshots and a patch; diff and summary follow; revert restores every byte; unrevert re-applies', async () => {
    const client = sdk(school.admin.key);
    const session = (await client.session.create({ body: { title: 'edit' } })).data!;
    // Files are set up on the host; the API shows the folder as `shown`.
    const shown = session.directory;
    const dir = onHost(app, shown);
    const original = Buffer.concat([Buffer.from('line one\r\nline two\n'), randomBytes(64).filter((b) => b !== 0)]);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'notes.txt'), original);
    const sse = await SseClient.open(app.url, `/event?sessionID=${session.id}`, {
      headers: { authorization: `Bearer ${school.admin.key}` },
    });
    streams.push(sse);

    answer(
      reply()
        .tool('write', { filePath: 'notes.txt', content: 'rewritten\n' })
        .tool('write', { filePath: 'src/new.ts', content: 'export const x = 1;\n' })
        .stop(),
    );
    answer(reply().text('Edited.').stop());
    const res = await client.session.prompt({
      path: { id: session.id },
      body: { parts: [{ type: 'text', text: 'edit the notes' }] },
    });
    expect(res.response.status).toBe(200);
    expect(fs.readFileSync(path.join(dir, 'notes.txt'), 'utf8')).toBe('rewritten\n');

    const messages = (await client.session.messages({ path: { id: session.id } })).data!;
    const [user, editStep, textStep] = messages;
    expect(messages.map((m) => m.info.role)).toEqual(['user', 'assistant', 'assistant']);
    const start = editStep.parts.find((p) => p.type === 'step-start') as any;
    const finish = editStep.parts.find((p) => p.type === 'step-finish') as any;
    const patch = editStep.parts.find((p) => p.type === 'patch') as any;
    expect(start.snapshot).toMatch(/^[0-9a-f]{40}$/);
    expect(finish.snapshot).toMatch(/^[0-9a-f]{40}$/);
    expect(finish.snapshot).not.toBe(start.snapshot);
    expect(patch.hash).toBe(start.snapshot);
    expect([...patch.files].sort()).toEqual([`${shown}/notes.txt`, `${shown}/src/new.ts`]);
    // Each write announced the file it changed (OpenCode's `file.edited`).
    await sse.waitForType('file.edited', 5000, (e) => e.properties.file === `${shown}/notes.txt`);
    await sse.waitForType('file.edited', 5000, (e) => e.properties.file === `${shown}/src/new.ts`);
    // The answering step changed nothing: same tree before and after, no patch part.
    expect(textStep.parts.map((p) => p.type)).toEqual(['step-start', 'text', 'step-finish']);
    expect((textStep.parts[0] as any).snapshot).toBe(finish.snapshot);

    // The summary job runs on the in-process worker after the loop.
    const diff = await until('session diff', async () => {
      const d = (await client.session.diff({ path: { id: session.id } })).data as any[];
      return d?.length === 2 ? d : undefined;
    });
    const byFile = Object.fromEntries(diff.map((d) => [d.file, d]));
    expect(byFile['src/new.ts']).toMatchObject({ status: 'added', additions: 1, deletions: 0 });
    expect(byFile['src/new.ts'].patch).toContain('+export const x = 1;');
    expect(byFile['notes.txt'].status).toBe('modified');
    const summarized = (await client.session.get({ path: { id: session.id } })).data!;
    expect(summarized.summary).toEqual({
      additions: byFile['src/new.ts'].additions + byFile['notes.txt'].additions,
      deletions: byFile['notes.txt'].deletions,
      files: 2,
    });
    await sse.waitForType('session.diff', 5000, (e) => e.properties.diff.length === 2);
    const userInfo = (await client.session.message({ path: { id: session.id, messageID: user.info.id } })).data!
      .info as any;
    expect(userInfo.summary.diffs.map((d: any) => d.file).sort()).toEqual(['notes.txt', 'src/new.ts']);

    const reverted = await client.session.revert({ path: { id: session.id }, body: { messageID: editStep.info.id } });
    expect(reverted.response.status).toBe(200);
    // Nothing was said before the edit in that answer, so the revert lands on the user message.
    expect(reverted.data!.revert).toMatchObject({ messageID: user.info.id, snapshot: finish.snapshot });
    expect(reverted.data!.revert!.diff).toContain('rewritten');
    expect(fs.readFileSync(path.join(dir, 'notes.txt')).equals(original)).toBe(true);
    expect(fs.existsSync(path.join(dir, 'src/new.ts'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'src'))).toBe(false);
    // Messages stay until the next prompt.
    expect((await client.session.messages({ path: { id: session.id } })).data!).toHaveLength(3);

    const unreverted = await client.session.unrevert({ path: { id: session.id } });
    expect(unreverted.response.status).toBe(200);
    expect(unreverted.data!.revert).toBeUndefined();
    expect(fs.readFileSync(path.join(dir, 'notes.txt'), 'utf8')).toBe('rewritten\n');
    expect(fs.readFileSync(path.join(dir, 'src/new.ts'), 'utf8')).toBe('export const x = 1;\n');
    sse.close();
  });

  it('the next prompt after a revert deletes the reverted messages for good', async () => {
    const client = sdk(school.admin.key);
    const session = (await client.session.create({ body: { title: 'cleanup' } })).data!;
    answer(reply().tool('write', { filePath: 'a.txt', content: 'first\n' }).stop());
    answer(reply().text('Wrote a.').stop());
    await client.session.prompt({ path: { id: session.id }, body: { parts: [{ type: 'text', text: 'one' }] } });
    answer(reply().tool('write', { filePath: 'a.txt', content: 'second\n' }).stop());
    answer(reply().text('Rewrote a.').stop());
    await client.session.prompt({ path: { id: session.id }, body: { parts: [{ type: 'text', text: 'two' }] } });
    const before = (await client.session.messages({ path: { id: session.id } })).data!;
    expect(before.map((m) => m.info.role)).toEqual([
      'user',
      'assistant',
      'assistant',
      'user',
      'assistant',
      'assistant',
    ]);
    const secondUser = before[3].info.id;

    await client.session.revert({ path: { id: session.id }, body: { messageID: secondUser } });
    expect(fs.readFileSync(path.join(onHost(app, session.directory), 'a.txt'), 'utf8')).toBe('first\n');

    answer(reply().text('Fresh turn.').stop());
    await client.session.prompt({ path: { id: session.id }, body: { parts: [{ type: 'text', text: 'three' }] } });
    const after = (await client.session.messages({ path: { id: session.id } })).data!;
    expect(after.slice(0, 3).map((m) => m.info.id)).toEqual(before.slice(0, 3).map((m) => m.info.id));
    expect(after.map((m) => m.info.id)).not.toContain(secondUser);
    expect(after.map((m) => m.info.role)).toEqual(['user', 'assistant', 'assistant', 'user', 'assistant']);
    expect((after[3].parts[0] as any).text).toBe('three');
    expect((await client.session.get({ path: { id: session.id } })).data!.revert).toBeUndefined();
    expect(fs.readFileSync(path.join(onHost(app, session.directory), 'a.txt'), 'utf8')).toBe('first\n');
  });

  it('revert to a part keeps what the message said before it', async () => {
    const client = sdk(school.admin.key);
    const session = (await client.session.create({ body: { title: 'part' } })).data!;
    answer(reply().text('Let me write it.').tool('write', { filePath: 'p.txt', content: 'p\n' }).stop());
    answer(reply().text('Done.').stop());
    await client.session.prompt({ path: { id: session.id }, body: { parts: [{ type: 'text', text: 'go' }] } });
    const [, step] = (await client.session.messages({ path: { id: session.id } })).data!;
    const tool = step.parts.find((p) => p.type === 'tool')!;
    const res = await client.session.revert({
      path: { id: session.id },
      body: { messageID: step.info.id, partID: tool.id },
    });
    expect(res.data!.revert).toMatchObject({ messageID: step.info.id, partID: tool.id });
    expect(fs.existsSync(path.join(onHost(app, session.directory), 'p.txt'))).toBe(false);
    answer(reply().text('Again.').stop());
    await client.session.prompt({ path: { id: session.id }, body: { parts: [{ type: 'text', text: 'next' }] } });
    const after = (await client.session.messages({ path: { id: session.id } })).data!;
    const kept = after.find((m) => m.info.id === step.info.id)!;
    expect(kept.parts.map((p) => p.type)).toEqual(['step-start', 'text']);
    expect(after.map((m) => m.info.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
  });

  it('revert and unrevert answer 409 SessionBusyError while the loop runs', async () => {
    const client = sdk(school.admin.key);
    const session = (await client.session.create({ body: { title: 'busy' } })).data!;
    await client.session.prompt({
      path: { id: session.id },
      body: { noReply: true, parts: [{ type: 'text', text: 'first' }] },
    });
    const [first] = (await client.session.messages({ path: { id: session.id } })).data!;
    answer(hang());
    await client.session.promptAsync({
      path: { id: session.id },
      body: { parts: [{ type: 'text', text: 'please hang now' }] },
    });
    await until('busy', async () => ((await client.session.status()).data as any)[session.id]);
    // Abort only once the hanging reply was taken, or it would stay queued for the next test's request.
    await until('the model request', async () =>
      llm.requests.some((r) => JSON.stringify(r.body).includes('please hang now')),
    );
    const res = await request(app.url, 'POST', `/session/${session.id}/revert`, {
      key: school.admin.key,
      body: { messageID: first.info.id },
    });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ name: 'SessionBusyError' });
    const un = await request(app.url, 'POST', `/session/${session.id}/unrevert`, { key: school.admin.key });
    expect(un.status).toBe(409);
    await client.session.abort({ path: { id: session.id } });
    await until('idle', async () => !((await client.session.status()).data as any)[session.id]);
  });

  it('bad input is 400, unknown targets 404, other tenants and other students 404', async () => {
    const client = sdk(school.admin.key);
    const session = (await client.session.create({ body: { title: 'guards' } })).data!;
    const key = school.admin.key;
    expect((await request(app.url, 'POST', `/session/${session.id}/revert`, { key, body: {} })).status).toBe(400);
    const bad = await request(app.url, 'POST', `/session/${session.id}/revert`, { key, body: { messageID: 'nope' } });
    expect(bad.status).toBe(400);
    expect(bad.body.name).toBe('BadRequest');
    const missing = await request(app.url, 'POST', `/session/${session.id}/revert`, {
      key,
      body: { messageID: 'msg_000000000000AAAAAAAAAAAAAA' },
    });
    expect(missing.status).toBe(404);
    expect(missing.body.name).toBe('NotFoundError');
    const other = await createTenant(app.url, app.adminKey);
    for (const [method, route] of [
      ['POST', 'revert'],
      ['POST', 'unrevert'],
      ['GET', 'diff'],
    ] as const) {
      const res = await request(app.url, method, `/session/${session.id}/${route}`, {
        key: other.admin.key,
        body: method === 'POST' ? { messageID: 'msg_000000000000AAAAAAAAAAAAAA' } : undefined,
      });
      expect(res.status).toBe(404);
    }
    const studentSession = (await sdk(school.student.key).session.create({ body: { title: 'mine' } })).data!;
    const classmate = await createUser(app.url, school.admin.key, 'student');
    expect(
      (await request(app.url, 'POST', `/session/${studentSession.id}/unrevert`, { key: classmate.key })).status,
    ).toBe(404);
    expect((await request(app.url, 'GET', `/session/${studentSession.id}/diff`, { key: classmate.key })).status).toBe(
      404,
    );
    expect(
      (await request(app.url, 'GET', `/session/${studentSession.id}/diff`, { key: school.student.key })).body,
    ).toEqual([]);
  });

  it('admins can run snapshot garbage collection: loose snapshot objects end up packed', async () => {
    const client = sdk(school.admin.key);
    const session = (await client.session.create({ body: { title: 'gc' } })).data!;
    answer(reply().tool('write', { filePath: 'gc.txt', content: 'collect me\n' }).stop());
    answer(reply().text('Written.').stop());
    await client.session.prompt({ path: { id: session.id }, body: { parts: [{ type: 'text', text: 'write' }] } });
    const packs = path.join(app.config.snapshotRoot, school.id, session.projectID, 'objects', 'pack');
    const packed = () => fs.existsSync(packs) && fs.readdirSync(packs).some((f) => f.endsWith('.pack'));
    expect(packed()).toBe(false);
    const res = await request(app.url, 'POST', '/admin/snapshots/gc', { key: school.admin.key });
    expect(res.status).toBe(202);
    expect(res.body.jobId).toMatch(/^snapshot-gc-/);
    await until('a pack file', async () => packed());
    expect((await request(app.url, 'POST', '/admin/snapshots/gc', { key: school.student.key })).status).toBe(403);
  });
});
