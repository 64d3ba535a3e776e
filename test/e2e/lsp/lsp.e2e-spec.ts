import { createOpencodeClient } from '@opencode-ai/sdk';
import fs from 'node:fs';
import path from 'node:path';
import { FakeLlm, isTitleRequest, reply } from '../../fakes/llm';
import { createTenant, type TestTenant } from '../../factories/tenant.factory';
import { fakeProviderConfig } from '../../utils/fake-provider-config';
import { onHost } from '../../utils/host-path';
import { SseClient } from '../../utils/sse-client';
import { startTestApp, type TestApp } from '../../utils/test-app';

// Code intelligence through @opencode-ai/sdk, against real language servers and prettier running inside the
// bubblewrap sandbox: a student's agent writes TypeScript with a type error (formatted by the project's prettier
// config, the error appended to the tool's output), asks the lsp tool, and the SDK's lsp, formatter and
// find.symbols methods see the server that started; the event stream carries lsp.updated and
// lsp.client.diagnostics.

let app: TestApp;
let llm: FakeLlm;
let school: TestTenant;
let sse: SseClient | undefined;
const BOOT_MS = 180_000;
jest.setTimeout(180_000);

const sdk = (key: string) => createOpencodeClient({ baseUrl: app.url, headers: { authorization: `Bearer ${key}` } });
const answer = (script: Parameters<FakeLlm['enqueueWhen']>[1]) => llm.enqueueWhen((r) => !isTitleRequest(r), script);

beforeAll(async () => {
  llm = await FakeLlm.start({ chunkDelayMs: 0 });
  llm.setDefaultReply(reply().text('Done.').stop());
  app = await startTestApp({ OPENCODE_CONFIG_CONTENT: fakeProviderConfig(llm.openaiBaseUrl), LSP_TOOL: 'true' });
  school = await createTenant(app.url, app.adminKey);
}, BOOT_MS);

afterAll(async () => {
  sse?.close();
  await app?.close();
  await llm?.stop();
}, BOOT_MS);

describe('lsp and formatter through @opencode-ai/sdk', () => {
  it('write is formatted and checked, the lsp tool answers, and /lsp, /formatter and /find/symbol follow', async () => {
    const client = sdk(school.student.key);
    const session = (await client.session.create({ body: { title: 'types' } })).data!;
    const dir = session.directory;
    const query = { directory: dir };

    expect((await client.lsp.status({ query })).data).toEqual([]);
    expect((await client.formatter.status({ query })).data).toEqual([
      expect.objectContaining({ name: 'prettier', enabled: false }),
    ]);
    // The API shows the project as /workspace/<slug>; the files are set up in its host folder.
    const host = onHost(app, dir);
    fs.mkdirSync(host, { recursive: true });
    fs.writeFileSync(path.join(host, '.prettierrc'), JSON.stringify({ singleQuote: true }));
    fs.writeFileSync(path.join(host, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true } }));
    expect((await client.formatter.status({ query })).data).toEqual([
      { name: 'prettier', extensions: expect.arrayContaining(['.ts']), enabled: true },
    ]);

    sse = await SseClient.open(app.url, `/event?directory=${encodeURIComponent(dir)}`, {
      headers: { authorization: `Bearer ${school.student.key}` },
    });
    const source = 'export function computeGrade(points: number): string {\n  return points * 2;\n}\n';
    // Two steps: the tool calls of one step run side by side.
    answer(
      reply()
        .tool('write', { filePath: 'src/grade.ts', content: source.replace('return points', 'return  points') })
        .stop(),
    );
    answer(reply().tool('lsp', { operation: 'hover', filePath: 'src/grade.ts', line: 1, character: 17 }).stop());
    answer(reply().text('Checked.').stop());
    const res = await client.session.prompt({
      path: { id: session.id },
      body: { parts: [{ type: 'text', text: 'write the grade function' }] },
    });
    expect(res.response.status).toBe(200);

    const messages = (await client.session.messages({ path: { id: session.id } })).data!;
    const tools = messages.flatMap((m) => m.parts).filter((p) => p.type === 'tool') as any[];
    const write = tools.find((t) => t.tool === 'write');
    const lsp = tools.find((t) => t.tool === 'lsp');
    expect(write.state.status).toBe('completed');
    const file = `${dir}/src/grade.ts`;
    expect(write.state.output).toBe(
      'Wrote file successfully.\n\nLSP errors detected in this file, please fix:\n' +
        `<diagnostics file="${file}">\nERROR [2:3] Type 'number' is not assignable to type 'string'.\n</diagnostics>`,
    );
    expect(write.state.metadata.diagnostics[file]).toEqual([expect.objectContaining({ severity: 1 })]);
    // prettier (the project's .prettierrc) removed the double space.
    expect(fs.readFileSync(path.join(host, 'src/grade.ts'), 'utf8')).toBe(source);
    expect(lsp.state.error ?? lsp.state.status).toBe('completed');
    expect(lsp.state.title).toBe('hover src/grade.ts:1:17');
    expect(lsp.state.output).toContain('function computeGrade(points: number): string');

    expect((await client.lsp.status({ query })).data).toEqual([
      { id: 'typescript', name: 'typescript', root: '', status: 'connected' },
    ]);
    const symbols = (await client.find.symbols({ query: { ...query, query: 'computeGrade' } })).data!;
    expect(symbols).toEqual([
      {
        name: 'computeGrade',
        kind: 12,
        location: { uri: `file://${file}`, range: expect.objectContaining({ start: { line: 0, character: 0 } }) },
      },
    ]);

    await sse.waitForType('lsp.updated');
    const diag = await sse.waitForType('lsp.client.diagnostics');
    expect(diag.data.properties).toEqual({ serverID: 'typescript', path: file });
  });

  it("another school's student cannot see this project's servers (404), and a bad query is a 400 in OpenCode's shape", async () => {
    const other = await createTenant(app.url, app.adminKey);
    const mine = (await sdk(school.student.key).session.create({ body: { title: 'x' } })).data!;
    const theirs = await fetch(`${app.url}/lsp?directory=${encodeURIComponent(mine.directory)}`, {
      headers: { authorization: `Bearer ${other.student.key}` },
    });
    expect(theirs.status).toBe(404);
    const bad = await fetch(`${app.url}/find/symbol?directory=${encodeURIComponent(mine.directory)}`, {
      headers: { authorization: `Bearer ${school.student.key}` },
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ name: 'BadRequest', data: { message: expect.any(String) } });
  });
});
