import { FakeWebServer, html } from '../../../../../test/fakes/web/fake-web.server';
import { duckDuckGoHtml, exaMcpReply } from '../../../../../test/fakes/web/search.fakes';
import type { ToolContext } from '../../tool.types';
import type { PermissionAsk } from '../../../permission/permission.types';
import { codesearchTool } from './codesearch.tool';

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

beforeAll(async () => {
  server = await FakeWebServer.start();
});
afterAll(() => server.close());

describe('codesearch tool', () => {
  it('asks codesearch and calls get_code_context_exa with tokensNum', async () => {
    server.on('/mcp', exaMcpReply('```ts\nconst x = z.object({})\n```'));
    const tool = codesearchTool({ exa: { apiKey: 'key', baseUrl: server.url('/mcp') } });
    const { ctx, asks } = context();
    const result = await tool.execute(tool.parameters.parse({ query: 'zod object schema' }), ctx);
    expect(result.output).toBe('```ts\nconst x = z.object({})\n```');
    expect(asks[0]).toMatchObject({ permission: 'codesearch', patterns: ['zod object schema'], always: ['*'] });
    expect(JSON.parse(server.requests.at(-1)!.body).params).toEqual({
      name: 'get_code_context_exa',
      arguments: { query: 'zod object schema', tokensNum: 5000 },
    });
  });

  it('rejects a token budget outside 1000-50000', () => {
    const tool = codesearchTool();
    expect(tool.parameters.safeParse({ query: 'q', tokensNum: 999 }).success).toBe(false);
    expect(tool.parameters.safeParse({ query: 'q', tokensNum: 50_001 }).success).toBe(false);
  });

  it('falls back to DuckDuckGo restricted to code sites', async () => {
    server.on(
      '/html/',
      html(
        duckDuckGoHtml([
          {
            title: 'zod docs',
            url: 'https://github.com/colinhacks/zod',
            snippet: 'TypeScript-first schema validation',
          },
        ]),
      ),
    );
    const tool = codesearchTool({ duckDuckGo: { baseUrl: server.url('/html/') } });
    const result = await tool.execute({ query: 'zod object', tokensNum: 2000 }, context().ctx);
    expect(result.output).toBe(
      '1. zod docs\n   https://github.com/colinhacks/zod\n   TypeScript-first schema validation',
    );
    const query = new URL(server.requests.at(-1)!.path, 'http://x').searchParams.get('q');
    expect(query).toBe(
      'zod object (site:github.com OR site:stackoverflow.com OR site:developer.mozilla.org OR site:docs.rs OR site:pkg.go.dev)',
    );
  });
});
