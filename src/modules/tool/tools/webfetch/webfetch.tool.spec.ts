import { FakeWebServer, html, json, redirect } from '../../../../../test/fakes/web/fake-web.server';
import type { Resolver } from '../../../../core/net/ssrf-guard';
import { ToolError, type ToolContext } from '../../tool.types';
import type { PermissionAsk } from '../../../permission/permission.types';
import { convertHtml } from './html-convert';
import { webfetchTool } from './webfetch.tool';
import { EgressAllowList } from '../../../../core/net/egress-allow-list';

let server: FakeWebServer;
const resolver: Resolver = async (name) => {
  if (name === 'site.test') return [{ address: '127.0.0.1', family: 4 }];
  if (name === 'evil.test') return [{ address: '10.0.0.8', family: 4 }];
  throw new Error(`ENOTFOUND ${name}`);
};
const tool = () => webfetchTool({ guard: { resolver, allow: new EgressAllowList(['site.test']) } });
const site = (path: string) => server.url(path, 'site.test');

function context(abort = new AbortController().signal) {
  const asks: PermissionAsk[] = [];
  const ctx = {
    auth: { tenantId: 'ten_1', userId: 'usr_1', role: 'student', platformAdmin: false },
    sessionId: 'ses_1',
    messageId: 'msg_1',
    callId: 'call_1',
    agent: 'build',
    workspace: { root: '/nonexistent', tenantId: 'ten_1', projectId: 'prj_1' },
    abort,
    ask: async (request: PermissionAsk) => void asks.push(request),
    metadata: () => undefined,
  } satisfies ToolContext;
  return { ctx, asks };
}

const PAGE = `<!doctype html><html><head><title>T</title><style>body{color:red}</style></head><body>
<h1>Guide</h1><script>alert("x")</script><p>Read the <a href="https://example.org/docs">docs</a> &amp; enjoy.</p>
<pre><code>npm test</code></pre><ul><li>one</li><li>two</li></ul></body></html>`;

beforeAll(async () => {
  server = await FakeWebServer.start();
  server.on('/page', html(PAGE));
});
afterAll(() => server.close());

describe('webfetch tool', () => {
  it('asks webfetch for the URL and converts HTML to Markdown by default', async () => {
    const { ctx, asks } = context();
    const params = tool().parameters.parse({ url: site('/page') });
    const result = await tool().execute(params, ctx);
    expect(asks).toEqual([
      {
        permission: 'webfetch',
        patterns: [site('/page')],
        always: ['*'],
        metadata: { url: site('/page'), format: 'markdown', timeout: 30 },
      },
    ]);
    expect(result.output).toBe(
      '# Guide\n\nRead the [docs](https://example.org/docs) & enjoy.\n\n```\nnpm test\n```\n\n-   one\n-   two',
    );
    expect(result.title).toBe(`${site('/page')} (text/html; charset=utf-8)`);
  });

  it('returns plain text or the raw HTML on request', async () => {
    const { ctx } = context();
    const textResult = await tool().execute({ url: site('/page'), format: 'text' }, ctx);
    expect(textResult.output).toBe('Guide\n\nRead the docs & enjoy.\n\nnpm test\n\none\n\ntwo');
    expect((await tool().execute({ url: site('/page'), format: 'html' }, ctx)).output).toBe(PAGE);
  });

  it('passes non-HTML text through untouched', async () => {
    server.on('/data.json', json({ ok: true }));
    const { ctx } = context();
    expect((await tool().execute({ url: site('/data.json'), format: 'markdown' }, ctx)).output).toBe('{"ok":true}');
  });

  it('returns images as attachments', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    server.on('/logo.png', { headers: { 'content-type': 'image/png' }, body: png });
    const { ctx } = context();
    const result = await tool().execute({ url: site('/logo.png'), format: 'markdown' }, ctx);
    expect(result.output).toBe('Image fetched successfully');
    expect(result.attachments).toEqual([
      { mime: 'image/png', url: `data:image/png;base64,${png.toString('base64')}`, filename: 'logo.png' },
    ]);
  });

  it('retries a Cloudflare challenge with the opencode user agent', async () => {
    server.on('/cf', (request) =>
      request.headers['user-agent'] === 'opencode'
        ? html('<p>passed</p>')
        : { status: 403, headers: { 'cf-mitigated': 'challenge' }, body: 'challenge' },
    );
    const { ctx } = context();
    expect((await tool().execute({ url: site('/cf'), format: 'markdown' }, ctx)).output).toBe('passed');
  });

  it('reports HTTP errors, timeouts and oversize bodies to the model', async () => {
    server.on('/hang', { hang: true }).on('/huge', { streamBytes: 6 * 1024 * 1024 });
    const { ctx } = context();
    await expect(tool().execute({ url: site('/missing'), format: 'markdown' }, ctx)).rejects.toThrow(
      'Request failed with status code: 404',
    );
    await expect(tool().execute({ url: site('/hang'), format: 'markdown', timeout: 0.3 }, ctx)).rejects.toThrow(
      /timed out/,
    );
    await expect(tool().execute({ url: site('/huge'), format: 'markdown' }, ctx)).rejects.toThrow(/too large/);
  });

  it('refuses non-http URLs before asking', async () => {
    const { ctx, asks } = context();
    await expect(tool().execute({ url: 'file:///etc/passwd', format: 'text' }, ctx)).rejects.toBeInstanceOf(ToolError);
    expect(asks).toEqual([]);
  });

  it('refuses private targets, directly, by name and by redirect, without reaching them', async () => {
    server.on('/to-local', redirect(server.url('/page')));
    const { ctx } = context();
    const before = server.requests.filter((request) => request.path === '/page').length;
    for (const url of [server.url('/page'), 'http://evil.test/', site('/to-local')]) {
      await expect(tool().execute({ url, format: 'markdown' }, ctx)).rejects.toBeInstanceOf(ToolError);
    }
    expect(server.requests.filter((request) => request.path === '/page').length).toBe(before);
  });
});

describe('convertHtml', () => {
  it('drops comments, scripts and head, keeps line structure and decodes entities', async () => {
    expect(
      await convertHtml(
        '<head><title>x</title></head><!-- c --><p>a&nbsp;&lt;b&gt; &#x41;&#66;</p><script>x()</script><div>c</div>',
        'text',
      ),
    ).toBe('a <b> AB\n\nc');
  });

  it('keeps headings, lists, links and code in markdown', async () => {
    const html =
      '<html><head><title>T</title><style>p{}</style></head><body><h1>Title</h1><ul><li>one</li></ul><a href="https://x.test/">link</a><pre><code>code()</code></pre></body></html>';
    expect(await convertHtml(html, 'markdown')).toBe(
      '# Title\n\n-   one\n\n[link](https://x.test/)\n\n```\ncode()\n```',
    );
  });

  it.each([
    ['unclosed scripts', '<script>'.repeat(100_000)],
    ['unclosed tags', '<a'.repeat(200_000)],
    ['unclosed comments', '<!--'.repeat(100_000)],
    ['deep nesting', '<div>'.repeat(50_000) + 'deep' + '</div>'.repeat(50_000)],
  ])('converts hostile HTML (%s) off the event loop, within its budget or with a clear error', async (_name, html) => {
    // Off the event loop, structurally rather than by a timing: a conversion done on this thread would have
    // settled before convertHtml returned; one in a worker is still pending when the next timer of this loop runs.
    for (const format of ['text', 'markdown'] as const) {
      let settled = false;
      const converting = convertHtml(html, format, { timeoutMs: 2_000 }).then(
        (text) => expect(typeof text).toBe('string'),
        (err: Error) => expect(err.name).toBe('HtmlConvertError'),
      );
      void converting.finally(() => (settled = true));
      await new Promise((resolve) => setTimeout(resolve, 1));
      expect(settled).toBe(false);
      await converting;
    }
  });
});
