import { makeSandbox, makeToolContext, type Sandbox } from '../../../workspace/tool-context.fixture';
import { ToolError } from '../../tool.types';
import { batchTool } from './batch.tool';

describe('batch tool', () => {
  let sb: Sandbox;
  beforeAll(async () => (sb = await makeSandbox()));
  afterAll(() => sb.cleanup());

  const echo = { execute: async (args: unknown) => ({ title: 'echo', output: JSON.stringify(args), metadata: {} }) };
  const failing = { execute: async () => Promise.reject(new ToolError('boom')) };

  it('runs the calls in parallel, reports each by index, one failure does not stop the rest', async () => {
    const seen: string[] = [];
    const tool = batchTool({ lookup: (id) => (id === 'echo' ? echo : id === 'fail' ? failing : undefined) });
    const ctx = makeToolContext(sb.ws);
    const result = await tool.execute(
      {
        tool_calls: [
          { tool: 'echo', parameters: { a: 1 } },
          { tool: 'fail', parameters: {} },
          { tool: 'nope', parameters: {} },
          { tool: 'batch', parameters: {} },
        ],
      },
      { ...ctx, metadata: (u) => seen.push(String(u.title)) },
    );
    expect(result.title).toBe('1/4 calls succeeded');
    expect(result.output).toContain('<result index="0" tool="echo">\n{"a":1}');
    expect(result.output).toContain('<error index="1" tool="fail">\nboom');
    expect(result.output).toContain('Unknown or unavailable tool "nope"');
    expect(result.output).toContain('"batch" cannot be used inside batch');
  });

  it('gives each inner call its own call id', async () => {
    const ids: string[] = [];
    const tool = batchTool({
      lookup: () => ({
        execute: async (_a: unknown, c) => (ids.push(c.callId), { title: '', output: '', metadata: {} }),
      }),
    });
    await tool.execute(
      {
        tool_calls: [
          { tool: 'x', parameters: {} },
          { tool: 'y', parameters: {} },
        ],
      },
      makeToolContext(sb.ws),
    );
    expect(ids.sort()).toEqual(['call_test#0', 'call_test#1']);
  });

  it('accepts at most 25 calls', async () => {
    const tool = batchTool({ lookup: () => echo });
    const calls = Array.from({ length: 26 }, () => ({ tool: 'echo', parameters: {} }));
    await expect(tool.execute({ tool_calls: calls }, makeToolContext(sb.ws))).rejects.toThrow(/tool_calls/);
  });
});
