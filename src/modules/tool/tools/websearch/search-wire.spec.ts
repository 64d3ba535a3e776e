import { FakeWebServer, html } from '../../../../../test/fakes/web/fake-web.server';
import { duckDuckGoHtml } from '../../../../../test/fakes/web/search.fakes';
import { ToolError } from '../../tool.types';
import { callExaTool, duckDuckGoSearch, parseDuckDuckGo } from './search-backends';
import { MAX_SEARCH_RESPONSE_BYTES, parseRpcBody } from './search-wire';

// What a search backend (or whoever answers in its place) sends is parsed as its wire format, never matched with
// regexes: JSON or SSE events for Exa's MCP endpoint, an HTML parser in a worker for DuckDuckGo, every body bounded.

let server: FakeWebServer;
beforeAll(async () => {
  server = await FakeWebServer.start();
});
afterAll(() => server.close());

const RESULT = { jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'found it' }] } };

describe('parseRpcBody (Exa over Streamable HTTP)', () => {
  it('reads SSE as SSE: comments, a notification first, CRLF lines, data split over several lines', () => {
    const json = JSON.stringify(RESULT, null, 1).split('\n');
    const body =
      ': keep-alive\r\n\r\n' +
      'event: message\r\ndata: {"jsonrpc":"2.0","method":"notifications/progress","params":{}}\r\n\r\n' +
      'id: 7\r\nevent: message\r\n' +
      json.map((line) => `data: ${line}\r\n`).join('') +
      '\r\n';
    expect(parseRpcBody(body, 'text/event-stream; charset=utf-8')).toEqual(RESULT);
  });

  it('takes a last event the stream ended without its blank line, and a plain JSON body', () => {
    expect(parseRpcBody(`data: ${JSON.stringify(RESULT)}`, 'text/event-stream')).toEqual(RESULT);
    expect(parseRpcBody(JSON.stringify(RESULT), 'application/json')).toEqual(RESULT);
  });

  it('refuses what is not a JSON-RPC answer, with a ToolError', () => {
    for (const [body, type] of [
      ['data: not json\n\n', 'text/event-stream'],
      ['<html>proxy error</html>', 'text/html'],
      ['{"jsonrpc":"2.0"}', 'application/json'],
      [`data: ${'{'.repeat(100_000)}\n\n`, 'text/event-stream'],
      ['', 'application/json'],
    ])
      expect(() => parseRpcBody(body, type)).toThrow(ToolError);
  });

  it('does not read a huge or endless answer: refused past the bound, the connection dropped', async () => {
    server.on('/mcp-huge', { headers: { 'content-type': 'text/event-stream' }, streamBytes: 64 * 1024 * 1024 });
    const call = callExaTool(
      { apiKey: 'k', baseUrl: server.url('/mcp-huge') },
      'web_search_exa',
      {},
      AbortSignal.timeout(20_000),
    );
    await expect(call).rejects.toThrow(`more than ${MAX_SEARCH_RESPONSE_BYTES} bytes`);
  });
});

describe('DuckDuckGo results through an HTML parser', () => {
  it('reads results whatever the attribute order, quoting and entities', async () => {
    const page =
      `<div><a href='//duckduckgo.com/l/?uddg=${encodeURIComponent('https://a.example/x?y=1&z=2')}' class=result__a>A &amp; <b>B</b></a>` +
      `<div class="result__snippet extra">first &lt;snippet&gt;</div>` +
      `<a data-x="class=result__a" class="result__a" href="https://b.example/">B</a></div>`;
    expect(await parseDuckDuckGo(page)).toEqual([
      { title: 'A & B', url: 'https://a.example/x?y=1&z=2', snippet: 'first <snippet>' },
      { title: 'B', url: 'https://b.example/', snippet: '' },
    ]);
  });

  it('hostile pages (unclosed links, deep nesting, 1 MiB of attribute soup) are parsed off the event loop', async () => {
    const hostile = [
      '<a class="result__a" href="'.repeat(40_000),
      '<a class="result__a">'.repeat(30_000) + '<b>'.repeat(30_000),
      `<div class="${'result__a '.repeat(100_000)}">` + '<!--'.repeat(50_000),
    ];
    for (const page of hostile) {
      let turns = 0;
      let spinning = true;
      const spin = () => {
        turns++;
        if (spinning) setImmediate(spin);
      };
      setImmediate(spin);
      const results = await parseDuckDuckGo(page).catch((error: unknown) => error);
      spinning = false;
      // Either results or the parser's own ToolError (time budget), never a stuck server.
      expect(Array.isArray(results) || results instanceof ToolError).toBe(true);
      // The loop kept turning while the page was parsed: the work ran in the worker.
      expect(turns).toBeGreaterThan(1);
    }
  });

  it('cuts a huge result page at its bound and still reads the results before the cut', async () => {
    const page = duckDuckGoHtml([{ title: 'Kept', url: 'https://kept.example/', snippet: 's' }]);
    server.on('/html-huge/', html(page.replace('</body>', `<p>${'x'.repeat(8 * 1024 * 1024)}</p></body>`)));
    const results = await duckDuckGoSearch({ baseUrl: server.url('/html-huge/') }, 'q', 5, AbortSignal.timeout(20_000));
    expect(results).toEqual([{ title: 'Kept', url: 'https://kept.example/', snippet: 's' }]);
  });
});
