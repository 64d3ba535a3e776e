import type { Locator, Page, Response } from 'playwright-core';
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
//
// Every step waits on facts, never on the page being quick (issue 18): each response of this server is recorded
// in `ours` from the first page load on, and a step waits for the response it caused after a mark (so a response
// that comes before the waiter, or late, is still seen); a shortcut is pressed again until what it opens is visible
// (a keypress the app was not ready for is swallowed); text goes into an input only once that input is visible,
// and into the prompt only once the page has settled on its draft (the app redirects once after loading).

const missing = browserMissing();
if (missing) process.stderr.write(`opencode-webapp: ${missing}\n`);
const describeWithBrowser = missing ? describe.skip : describe;
jest.setTimeout(600_000);

/** Bound of one step: generous, it only matters when the fact never comes (a loaded CI machine stretches time). */
const STEP_MS = 120_000;

let app: TestApp;
let llm: FakeLlm;
let school: TestTenant;
let web: OpencodeWeb;
let browser: Browser;
let page: Page;
interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  status: number;
  response: Response;
}
const ours: Seen[] = [];
const problems: string[] = [];
const terminalOutput: string[] = [];

/**
 * The first response of this server to `method path` (path without query) recorded after `mark` (`ours.length`
 * taken before the action that causes it) and accepted by `match`; the failure lists what did come.
 */
async function responseAfter(
  mark: number,
  method: string,
  pathname: RegExp,
  match: (seen: Seen) => boolean = () => true,
  timeoutMs = STEP_MS,
): Promise<Response> {
  const hit = (s: Seen) => s.method === method && pathname.test(s.path) && match(s);
  await waitUntil(
    `a response to ${method} ${pathname} after response #${mark}`,
    () =>
      ours.slice(mark).map((s) => `${s.status} ${s.method} ${s.path}?${s.query.toString()}${hit(s) ? ' (this)' : ''}`),
    (seen) => seen.some((line) => line.endsWith(' (this)')),
    { timeoutMs, everyMs: 100 },
  );
  return ours.slice(mark).find(hit)!.response;
}

/**
 * Presses `key` until `shown` is visible: a shortcut pressed before the app bound it, or while it was busy
 * re-rendering, is swallowed. A press the app takes late is seen by the next probe before pressing again. With
 * `from`, that element is clicked first, so the shortcut goes to the app, not to a panel holding the focus that
 * keeps the key for itself (the terminal sends Ctrl+P to the shell).
 */
async function pressUntilShown(key: string, what: string, shown: Locator, from?: Locator): Promise<void> {
  await waitUntil(
    `${what} to open on ${key}`,
    async () => {
      if (await shown.isVisible()) return true;
      if (from) await from.click();
      await page.keyboard.press(key);
      return shown.waitFor({ timeout: 15_000 }).then(
        () => true,
        () => false,
      );
    },
    Boolean,
    { timeoutMs: STEP_MS, everyMs: 100 },
  );
}

/** The prompt holding exactly `text` (typed again while it does not: a re-render may drop it); the caller sends it. */
async function typePrompt(text: string): Promise<void> {
  const prompt = page.getByRole('textbox', { name: 'Prompt' });
  await waitUntil(
    `the prompt to hold ${JSON.stringify(text)}`,
    async () => {
      const held = (await prompt.textContent())?.trim();
      if (held === text) return held;
      await prompt.click();
      await page.keyboard.press('Control+A');
      await page.keyboard.type(text);
      return (await prompt.textContent())?.trim();
    },
    (held) => held === text,
    { timeoutMs: STEP_MS, everyMs: 500 },
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
      const url = new URL(r.url());
      const entry = { method: r.request().method(), path: url.pathname, query: url.searchParams, status: r.status() };
      ours.push({ ...entry, response: r });
      if (entry.status >= 400) problems.push(`${entry.status} ${entry.method} ${r.url()}`);
    });
    // A request the app itself cancels (a search superseded by the next keystroke) is not a failure, nor one the
    // browser drops because the host's network interfaces changed (another process adding a bridge or a tap).
    const cancelled = ['net::ERR_ABORTED', 'net::ERR_NETWORK_CHANGED'];
    page.on('requestfailed', (r) => {
      if (r.url().startsWith(app.url) && !cancelled.includes(r.failure()?.errorText ?? ''))
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
    const mark = ours.length;
    await page.goto(`${web.url}/${Buffer.from(worktree).toString('base64url')}/session`);
    // The session page asks for the language servers' status (the status popover's source).
    expect((await responseAfter(mark, 'GET', /^\/lsp$/)).status()).toBe(200);
    // The project route redirects to a new draft once it has loaded; text typed before that is lost.
    await page.waitForURL(/\/new-session\b/, { timeout: STEP_MS });
    await typePrompt('say hello');
    const sent = ours.length;
    await page.keyboard.press('Enter');
    expect((await responseAfter(sent, 'POST', /^\/session$/)).status()).toBe(200);
    await page.getByText('Hello from the fake LLM.').first().waitFor({ timeout: STEP_MS });
  });

  it('the terminal panel opens a sandboxed terminal (POST /pty, WebSocket) that runs what is typed', async () => {
    await page.getByRole('textbox', { name: 'Prompt' }).click();
    const mark = ours.length;
    const input = page.getByRole('textbox', { name: 'Terminal input' }).first();
    await pressUntilShown('Control+Backquote', 'the terminal panel', input);
    expect((await responseAfter(mark, 'POST', /^\/pty$/)).status()).toBe(200);
    await waitUntil('the shell prompt', () => terminalOutput.join('').includes('$ '), Boolean, { timeoutMs: STEP_MS });
    // Typed again if the keys went nowhere (the terminal not yet focused); running it twice is harmless.
    await waitUntil(
      'the command output',
      async () => {
        if (terminalOutput.join('').includes('hi-42')) return true;
        await input.click();
        await page.keyboard.type('echo hi-$((6*7))');
        await page.keyboard.press('Enter');
        return waitUntil('hi-42', () => terminalOutput.join('').includes('hi-42'), Boolean, {
          timeoutMs: 15_000,
        }).catch(() => false);
      },
      Boolean,
      { timeoutMs: STEP_MS },
    );
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
    await typePrompt('make-file');
    await page.keyboard.press('Enter');
    await page.getByText('Done: hello.txt written.').first().waitFor({ timeout: STEP_MS });
    const prompt = page.getByRole('textbox', { name: 'Prompt' });
    await pressUntilShown('Control+Shift+R', 'the review', page.getByText('hello from the browser').first(), prompt);
    // Keys typed right after Ctrl+P may come before the palette is open and its search box focused (they land
    // elsewhere and no search is sent), so the box is filled once it is visible; and filled again when no answer
    // to that search came (a request the browser dropped).
    const search = page.getByPlaceholder('Search files, commands, and sessions');
    await pressUntilShown('Control+P', 'the command palette', search, prompt);
    const found = await waitUntil(
      'GET /find/file?query=hello',
      async () => {
        const mark = ours.length;
        await search.fill('');
        await search.fill('hello');
        return responseAfter(mark, 'GET', /^\/find\/file$/, (s) => s.query.get('query') === 'hello', 15_000).catch(
          () => undefined,
        );
      },
      (response) => response !== undefined,
      { timeoutMs: STEP_MS },
    );
    expect(await found!.json()).toContain('hello.txt');
    await page.getByRole('option').filter({ hasText: 'hello.txt' }).first().waitFor({ timeout: STEP_MS });
    await page.keyboard.press('Escape');
  });

  it('the home screen reads the student’s sessions (GET /api/session) and projects (GET /project)', async () => {
    await school.student.http.post('/session', { body: { title: 'Homework from yesterday' } });
    const mark = ours.length;
    await page.goto(web.url);
    const answer = await responseAfter(mark, 'GET', /^\/api\/session$/);
    expect(answer.status()).toBe(200);
    // What the app keeps from each session (its home list groups them by the projects opened in its sidebar).
    const titles = ((await answer.json()) as { data: { title: string; location: { directory: string } }[] }).data.map(
      (s) => s.title,
    );
    expect(titles).toEqual(expect.arrayContaining(['Homework from yesterday', 'Hello from the fake LLM.']));
    const listed = (await (await responseAfter(mark, 'GET', /^\/project$/)).json()) as { name?: string }[];
    expect(listed.map((p) => p.name)).toContain('default');
    await page.getByPlaceholder(`Search sessions in ${new URL(app.url).host}`).waitFor({ timeout: STEP_MS });
  });

  it('settings open (GET /pty/shells) without the error screen', async () => {
    const mark = ours.length;
    await pressUntilShown('Control+Comma', 'settings', page.getByText('Terminal shell').first());
    expect((await responseAfter(mark, 'GET', /^\/pty\/shells$/)).status()).toBe(200);
    expect(await page.getByText('Something went wrong').count()).toBe(0);
    await page.keyboard.press('Escape');
  });

  it('no request to this server failed and the page threw nothing', () => {
    expect(ours.length).toBeGreaterThan(30);
    expect(problems).toEqual([]);
  });
});
