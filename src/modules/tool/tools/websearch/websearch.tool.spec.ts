import { FakeWebServer, html, json } from '../../../../../test/fakes/web/fake-web.server';
import { duckDuckGoHtml, exaMcpReply } from '../../../../../test/fakes/web/search.fakes';
import { ToolError, type ToolContext } from '../../tool.types';
import type { PermissionAsk } from '../../../permission/permission.types';
import { parseDuckDuckGo } from './search-backends';
import { websearchTool } from './websearch.tool';

let server: FakeWebServer;

function context() {
  const asks: PermissionAsk[] = [];
  const ctx = {
    auth: { tenantId: 'ten_1', userId: 'usr_1', role: 'student', platformAdmin: false },
    sessionId: 'ses_1',
    messageId: 'msg_1',
    callId: 'call_1',
    agent: 'build',
    workspace: { root: '/nonexistent', tenantId: 'ten_1', projectId: 'prj_1' },
    abort: new AbortController().signal,
    ask: async (request: PermissionAsk) => void asks.push(request),
    metadata: () => undefined,
  } satisfies ToolContext;
  return { ctx, asks };
}

const RESULTS = [
  {
    title: 'Node.js &amp; <b>streams</b>',
    url: 'https://nodejs.org/api/stream.html',
    snippet: 'A stream is an <b>abstract</b> interface.',
  },
  {
    title: 'Streams handbook',
    url: 'https://github.com/substack/stream-handbook',
    snippet: 'How to write node programs with streams.',
  },
  { title: 'Third', url: 'https://example.org/3?a=1&b=2', snippet: 'third result' },
];

beforeAll(async () => {
  server = await FakeWebServer.start();
});
afterAll(() => server.close());

describe('websearch tool with Exa', () => {
  it('calls web_search_exa over JSON-RPC with the key and returns the text', async () => {
    server.on('/mcp', exaMcpReply('Title: Streams\nURL: https://nodejs.org/api/stream.html\nText: ...'));
    const tool = websearchTool({ exa: { apiKey: 'exa-test-key', baseUrl: server.url('/mcp') } });
    const { ctx, asks } = context();
    const result = await tool.execute(
      tool.parameters.parse({ query: 'node streams 2026', numResults: 3, type: 'deep' }),
      ctx,
    );
    expect(result.output).toBe('Title: Streams\nURL: https://nodejs.org/api/stream.html\nText: ...');
    expect(result.metadata).toEqual({ backend: 'exa' });
    expect(asks).toEqual([
      {
        permission: 'websearch',
        patterns: ['node streams 2026'],
        always: ['*'],
        metadata: { query: 'node streams 2026', numResults: 3 },
      },
    ]);
    const request = server.requests.at(-1)!;
    expect(request.path).toBe('/mcp?exaApiKey=exa-test-key');
    expect(request.headers.accept).toBe('application/json, text/event-stream');
    expect(JSON.parse(request.body)).toEqual({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: {
        name: 'web_search_exa',
        arguments: { query: 'node streams 2026', numResults: 3, type: 'deep', livecrawl: 'fallback' },
      },
    });
  });

  it('accepts a plain JSON answer and surfaces JSON-RPC and HTTP errors', async () => {
    const tool = websearchTool({ exa: { apiKey: 'k', baseUrl: server.url('/mcp-json') } });
    const { ctx } = context();
    server.on(
      '/mcp-json',
      json({ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'plain json' }] } }),
    );
    expect((await tool.execute({ query: 'q' }, ctx)).output).toBe('plain json');
    server.on('/mcp-json', json({ jsonrpc: '2.0', id: 1, error: { code: -32602, message: 'bad arguments' } }));
    await expect(tool.execute({ query: 'q' }, ctx)).rejects.toThrow('Search error: bad arguments');
    server.on('/mcp-json', json({ error: 'invalid key' }, 401));
    await expect(tool.execute({ query: 'q' }, ctx)).rejects.toThrow(/Search error \(401\)/);
  });

  it('gives up after the timeout', async () => {
    server.on('/mcp-hang', { hang: true });
    const tool = websearchTool({ exa: { apiKey: 'k', baseUrl: server.url('/mcp-hang') }, timeoutMs: 200 });
    const { ctx } = context();
    await expect(tool.execute({ query: 'q' }, ctx)).rejects.toThrow(/timed out or aborted/);
  });
});

describe('websearch tool with DuckDuckGo', () => {
  it('parses the HTML results into a numbered list, limited to numResults', async () => {
    server.on('/html/', html(duckDuckGoHtml(RESULTS)));
    const tool = websearchTool({ duckDuckGo: { baseUrl: server.url('/html/') } });
    const { ctx } = context();
    const result = await tool.execute({ query: 'node streams', numResults: 2 }, ctx);
    expect(result.output).toBe(
      '1. Node.js & streams\n   https://nodejs.org/api/stream.html\n   A stream is an abstract interface.\n\n' +
        '2. Streams handbook\n   https://github.com/substack/stream-handbook\n   How to write node programs with streams.',
    );
    expect(result.metadata).toEqual({ backend: 'duckduckgo', results: 2 });
    expect(server.requests.at(-1)!.path).toBe('/html/?q=node+streams');
  });

  it('reports an empty result page', async () => {
    server.on('/empty/', html(duckDuckGoHtml([])));
    const tool = websearchTool({ duckDuckGo: { baseUrl: server.url('/empty/') } });
    await expect(tool.execute({ query: 'nothing' }, context().ctx)).rejects.toBeInstanceOf(ToolError);
  });
});

describe('parseDuckDuckGo', () => {
  it('skips sponsored links and keeps the real target of redirect links', async () => {
    const page =
      '<a class="result__a" href="https://duckduckgo.com/y.js?ad_domain=x&amp;u3=1">Ad</a><a class="result__snippet">buy</a>' +
      duckDuckGoHtml([RESULTS[2]]);
    expect(await parseDuckDuckGo(page)).toEqual([
      { title: 'Third', url: 'https://example.org/3?a=1&b=2', snippet: 'third result' },
    ]);
  });
});
