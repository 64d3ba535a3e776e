import type { Page, Response } from 'playwright-core';
import { createTenant, type TestTenant } from '../../factories/tenant.factory';
import { FakeLlm, reply } from '../../fakes/llm';
import { fakeProviderConfig } from '../../utils/fake-provider-config';
import { startTestApp, type TestApp } from '../../utils/test-app';
import { waitUntil } from '../../utils/wait-until';
import {
  browserMissing,
  launchChromium,
  pointAppAt,
  startOpencodeWeb,
  type Browser,
  type OpencodeWeb,
} from './webapp-harness';

// Issue 19 item 8: OpenCode's own web app (served by the real `opencode serve` 1.18.33) in a real Chromium,
// pointed at this server as a school's student: home screen, chat, a tool call, the review diff, the file search,
// the terminal, settings; every request to this server answers 2xx and the page throws nothing.

const missing = browserMissing();
if (missing) process.stderr.write(`opencode-webapp: ${missing}\n`);
const describeWithBrowser = missing ? describe.skip : describe;
jest.setTimeout(600_000);

let app: TestApp;
let llm: FakeLlm;
let school: TestTenant;
let web: OpencodeWeb;
let browser: Browser;
let page: Page;
const ours: { method: string; path: string; status: number }[] = [];
const problems: string[] = [];
const terminalOutput: string[] = [];

/** The next response of this server to `method path` (path without query) that the page receives. */
function nextResponse(method: string, pathname: RegExp): Promise<Response> {
  return page.waitForResponse(
    (r) => r.url().startsWith(app.url) && r.request().method() === method && pathname.test(new URL(r.url()).pathname),
    { timeout: 60_000 },
  );
}

describeWithBrowser('OpenCode web app against this server', () => {
  beforeAll(async () => {
    llm = await FakeLlm.start({ chunkDelayMs: 0 });
    llm.setDefaultReply(reply().text('Hello from the fake LLM.').stop());
    app = await startTestApp({ OPENCODE_CONFIG_CONTENT: fakeProviderConfig(llm.openaiBaseUrl), SANDBOX: 'required' });
    school = await createTenant(app.url, app.adminKey);
    web = await startOpencodeWeb();
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.on('response', (r) => {
      if (!r.url().startsWith(app.url)) return;
      const entry = { method: r.request().method(), path: new URL(r.url()).pathname, status: r.status() };
      ours.push(entry);
      if (entry.status >= 400) problems.push(`${entry.status} ${entry.method} ${r.url()}`);
    });
    // A request the app itself cancels (a search superseded by the next keystroke) is not a failure.
    page.on('requestfailed', (r) => {
      if (r.url().startsWith(app.url) && r.failure()?.errorText !== 'net::ERR_ABORTED')
        problems.push(`failed ${r.method()} ${r.url()}: ${r.failure()?.errorText}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('websocket', (ws) => {
      if (ws.url().includes('/pty/')) ws.on('framereceived', (f) => terminalOutput.push(String(f.payload)));
    });
    await pointAppAt(page, { url: app.url, username: 'opencode', password: school.student.key });
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await web?.stop();
    await app?.close();
    await llm?.stop();
  });

  it('a chat prompt is answered by the fake LLM', async () => {
    // A fresh student: their first GET /project lists their default project; the app opens it by its folder.
    const first = (await school.student.http.get('/project')).body as { name?: string; worktree: string }[];
    const worktree = first.find((p) => p.name === 'default')!.worktree;
    const lsp = nextResponse('GET', /^\/lsp$/);
    await page.goto(`${web.url}/${Buffer.from(worktree).toString('base64url')}/session`);
    // The session page asks for the language servers' status (the status popover's source).
    expect((await lsp).status()).toBe(200);
    const created = nextResponse('POST', /^\/session$/);
    await page.getByRole('textbox', { name: 'Prompt' }).click();
    await page.keyboard.type('say hello');
    await page.keyboard.press('Enter');
    expect((await created).status()).toBe(200);
    await page.getByText('Hello from the fake LLM.').first().waitFor({ timeout: 60_000 });
  });

  it('the terminal panel opens a sandboxed terminal (POST /pty, WebSocket) that runs what is typed', async () => {
    const created = nextResponse('POST', /^\/pty$/);
    await page.getByRole('textbox', { name: 'Prompt' }).click();
    await page.keyboard.press('Control+Backquote');
    expect((await created).status()).toBe(200);
    const input = page.getByRole('textbox', { name: 'Terminal input' }).first();
    await input.waitFor({ timeout: 60_000 });
    await waitUntil('the shell prompt', () => terminalOutput.join('').includes('$ '), Boolean, { timeoutMs: 60_000 });
    await input.click();
    await page.keyboard.type('echo hi-$((6*7))');
    await page.keyboard.press('Enter');
    await waitUntil('the command output', () => terminalOutput.join('').includes('hi-42'), Boolean, {
      timeoutMs: 60_000,
    });
  });

  it('a tool call writes a file: the review shows its diff and the file search finds it', async () => {
    const isTitle = (body: string) => body.includes('Generate a title');
    llm.enqueueWhen(
      (r) => !isTitle(JSON.stringify(r.body)) && JSON.stringify(r.body).includes('make-file'),
      reply().text('Writing it.').tool('write', { filePath: 'hello.txt', content: 'hello from the browser\n' }).stop(),
    );
    llm.enqueueWhen(
      (r) => JSON.stringify(r.body).includes('"role":"tool"'),
      reply().text('Done: hello.txt written.').stop(),
    );
    await page.getByRole('textbox', { name: 'Prompt' }).click();
    await page.keyboard.type('make-file');
    await page.keyboard.press('Enter');
    await page.getByText('Done: hello.txt written.').first().waitFor({ timeout: 60_000 });
    await page.keyboard.press('Control+Shift+R');
    await page.getByText('hello from the browser').first().waitFor({ timeout: 60_000 });
    const found = nextResponse('GET', /^\/find\/file$/);
    await page.keyboard.press('Control+P');
    await page.keyboard.type('hello');
    expect(await (await found).json()).toEqual(expect.any(Array));
    await page.getByRole('option').filter({ hasText: 'hello.txt' }).first().waitFor({ timeout: 60_000 });
    await page.keyboard.press('Escape');
  });

  it('the home screen reads the student’s sessions (GET /api/session) and projects (GET /project)', async () => {
    await school.student.http.post('/session', { body: { title: 'Homework from yesterday' } });
    const sessions = nextResponse('GET', /^\/api\/session$/);
    const projects = nextResponse('GET', /^\/project$/);
    await page.goto(web.url);
    const answer = await sessions;
    expect(answer.status()).toBe(200);
    // What the app keeps from each session (its home list groups them by the projects opened in its sidebar).
    const titles = ((await answer.json()) as { data: { title: string; location: { directory: string } }[] }).data.map(
      (s) => s.title,
    );
    expect(titles).toEqual(expect.arrayContaining(['Homework from yesterday', 'Hello from the fake LLM.']));
    const listed = (await (await projects).json()) as { name?: string }[];
    expect(listed.map((p) => p.name)).toContain('default');
    await page.getByPlaceholder(`Search sessions in ${new URL(app.url).host}`).waitFor({ timeout: 60_000 });
  });

  it('settings open (GET /pty/shells) without the error screen', async () => {
    const shells = nextResponse('GET', /^\/pty\/shells$/);
    await page.keyboard.press('Control+Comma');
    expect((await shells).status()).toBe(200);
    await page.getByText('Terminal shell').first().waitFor({ timeout: 60_000 });
    expect(await page.getByText('Something went wrong').count()).toBe(0);
    await page.keyboard.press('Escape');
  });

  it('no request to this server failed and the page threw nothing', () => {
    expect(ours.length).toBeGreaterThan(30);
    expect(problems).toEqual([]);
  });
});
