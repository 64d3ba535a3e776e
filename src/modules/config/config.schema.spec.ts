import { ConfigInvalidError, ConfigJsonError } from './config.errors';
import { parseConfig, parseJsonc } from './config.parse';

function issuesOf(doc: unknown): { path: string; message: string }[] {
  try {
    parseConfig(doc, 'test.json');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigInvalidError);
    return (error as ConfigInvalidError).issues;
  }
  throw new Error('expected the document to be rejected');
}

describe('parseConfig', () => {
  it('accepts a full document and keeps unknown keys', () => {
    const config = parseConfig(
      {
        $schema: 'https://opencode.ai/config.json',
        model: 'anthropic/claude-sonnet-4-5',
        small_model: 'openai/gpt-5-nano',
        default_agent: 'tutor',
        provider: {
          school: {
            npm: '@ai-sdk/openai-compatible',
            options: { baseURL: 'http://llm.local/v1', timeout: false, custom: 1 },
            models: { 'm-1': { name: 'M1', limit: { context: 128000, output: 8000 }, cost: { input: 1, output: 2 } } },
          },
        },
        agent: { tutor: { temperature: 0.3, permission: { edit: 'deny' }, color: '#00FF00', extra: true } },
        permission: { bash: { '*': 'ask', 'git *': 'allow' } },
        mcp: { docs: { type: 'remote', url: 'https://mcp.example/sse', oauth: false }, off: { enabled: false } },
        instructions: ['AGENTS.md'],
        compaction: { auto: true, prune: true, tail_turns: 2, preserve_recent_tokens: 4000, reserved: 10000 },
        tool_output: { max_lines: 100, max_bytes: 4096 },
        command: { test: { template: 'run tests $ARGUMENTS' } },
        skills: { paths: ['skills'] },
        experimental: { mcp_timeout: 1000, future_flag: 'x' },
        future_top_level: { anything: 1 },
      },
      'platform',
    );
    expect(config.agent?.tutor.temperature).toBe(0.3);
    expect((config.agent?.tutor as Record<string, unknown>).extra).toBe(true);
    expect((config as Record<string, unknown>).future_top_level).toEqual({ anything: 1 });
    expect(config.mcp?.off).toEqual({ enabled: false });
  });

  it.each([
    [{ model: 'no-slash' }, 'model', /provider\/model/],
    [{ agent: { tutor: { temperature: 'hot' } } }, 'agent.tutor.temperature', /number/],
    [{ agent: { tutor: { steps: 0 } } }, 'agent.tutor.steps', /0/],
    [{ agent: { x: { mode: 'sidekick' } } }, 'agent.x.mode', /subagent|primary/],
    [{ permission: { bash: 'sometimes' } }, 'permission.bash', /allow|ask|deny/],
    [{ permission: { bash: { 'rm *': 'nope' } } }, 'permission.bash.rm *', /allow|ask|deny/],
    [{ mcp: { a: { type: 'local' } } }, 'mcp.a.command', /array/],
    [{ mcp: { a: { type: 'remote', url: 'not a url' } } }, 'mcp.a.url', /URL/i],
    [{ mcp: { a: { type: 'stdio' } } }, 'mcp.a.type', /local|remote/],
    [{ compaction: { tail_turns: -1 } }, 'compaction.tail_turns', />=0|0/],
    [{ tool_output: { max_lines: 1.5 } }, 'tool_output.max_lines', /integer|int/i],
    [{ provider: { p: { models: { m: { limit: { context: 1 } } } } } }, 'provider.p.models.m.limit.output', /number/],
    [{ share: 'public' }, 'share', /manual|auto|disabled/],
    [{ instructions: 'AGENTS.md' }, 'instructions', /array/],
    [{ command: { c: { description: 'no template' } } }, 'command.c.template', /string/],
  ])('rejects %j at %s', (doc, path, message) => {
    const issues = issuesOf(doc);
    const issue = issues.find((i) => i.path === path);
    expect(issue).toBeDefined();
    expect(issue!.message).toMatch(message);
  });

  it('builds an OpenCode-style error naming the source and every issue', () => {
    try {
      parseConfig({ model: 3, share: 'x' }, '/etc/opencode.json');
      throw new Error('not rejected');
    } catch (error) {
      const e = error as ConfigInvalidError;
      expect(e.errorName).toBe('ConfigInvalidError');
      expect(e.status).toBe(400);
      expect(e.details.path).toBe('/etc/opencode.json');
      expect(e.message).toContain('/etc/opencode.json');
      expect(e.issues.map((i) => i.path).sort()).toEqual(['model', 'share']);
    }
  });

  it('rejects a non-object document at the root', () => {
    expect(issuesOf([1, 2])[0].path).toBe('');
  });
});

describe('parseJsonc', () => {
  it('ignores comments and trailing commas but not comment-like text in strings', () => {
    const text = `{
      // line comment
      "url": "http://x//y", /* block
      comment */ "glob": "a/*b*/",
      "list": [1, 2, ],
      "nested": { "a": "\\"quoted\\" // not a comment", },
    }`;
    expect(parseJsonc(text, 'x.jsonc')).toEqual({
      url: 'http://x//y',
      glob: 'a/*b*/',
      list: [1, 2],
      nested: { a: '"quoted" // not a comment' },
    });
  });

  it('treats an empty file as an empty document and strips a BOM', () => {
    expect(parseJsonc('  // nothing\n', 'e.json')).toEqual({});
    expect(parseJsonc('\uFEFF{"a":1}', 'b.json')).toEqual({ a: 1 });
  });

  it('reports the line and column of a syntax error', () => {
    try {
      parseJsonc('{\n  "a": 1,\n  "b": ?\n}', 'bad.json');
      throw new Error('not rejected');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigJsonError);
      const e = error as ConfigJsonError;
      expect(e.details).toMatchObject({ path: 'bad.json', line: 3, column: 8 });
      expect(e.status).toBe(400);
    }
  });

  it('reports an unterminated block comment', () => {
    expect(() => parseJsonc('{ /* open', 'c.json')).toThrow(/unterminated/);
  });
});
