import { makeSandbox, makeToolContext, type Sandbox } from '../../../workspace/tool-context.fixture';
import { lspTestStack, type LspTestStack } from '../../../lsp/testing/lsp-test-stack';
import { lspTool } from './lsp.tool';

jest.setTimeout(120_000);

const MATH = `export interface Shape {
  area(): number;
}

export class Square implements Shape {
  constructor(private side: number) {}
  area(): number {
    return twice(this.side) / 2 * this.side / 1;
  }
}

export function twice(n: number): number {
  return n * 2;
}
`;
const MAIN = `import { Square, twice } from './math';

export function report(): number {
  return new Square(2).area() + twice(3);
}
`;

describe('lsp tool (typescript-language-server in the sandbox)', () => {
  let sb: Sandbox;
  let stack: LspTestStack;
  let tool: ReturnType<typeof lspTool>;

  beforeAll(async () => {
    sb = await makeSandbox();
    await sb.ws.writeText('tsconfig.json', JSON.stringify({ compilerOptions: { strict: true } }));
    await sb.ws.writeText('src/math.ts', MATH);
    await sb.ws.writeText('src/main.ts', MAIN);
    await sb.ws.writeText('notes.txt', 'plain text');
    stack = lspTestStack(sb.base, sb.manager);
    tool = lspTool({ lsp: stack.lsp });
  });
  afterAll(async () => {
    await stack.stop();
    await sb.cleanup();
  });

  const call = (args: Record<string, unknown>) =>
    tool.execute(
      { filePath: 'src/main.ts', line: 1, character: 1, ...args } as Parameters<typeof tool.execute>[0],
      makeToolContext(sb.ws),
    );

  it('goToDefinition: 1-based position in, the definition in the other file out', async () => {
    const ctx = makeToolContext(sb.ws);
    // `twice` in `+ twice(3)` on line 4.
    const result = await tool.execute(
      { operation: 'goToDefinition', filePath: 'src/main.ts', line: 4, character: 33 },
      ctx,
    );
    expect(result.title).toBe('goToDefinition src/main.ts:4:33');
    const [loc] = result.metadata.result as { uri: string; range: { start: { line: number } } }[];
    expect(loc.uri).toMatch(/src\/math\.ts$/);
    expect(loc.range.start.line).toBe(11);
    expect(JSON.parse(result.output)).toEqual(result.metadata.result);
    expect(ctx.asks[0]).toMatchObject({ permission: 'lsp', patterns: ['*'] });
  });

  it('findReferences, hover, documentSymbol, workspaceSymbol and goToImplementation', async () => {
    const refs = await call({ operation: 'findReferences', filePath: 'src/math.ts', line: 12, character: 17 });
    const files = (refs.metadata.result as { uri: string }[]).map((r) => r.uri.replace(/.*\/src\//, ''));
    expect(files.sort()).toEqual(['main.ts', 'main.ts', 'math.ts', 'math.ts']);

    const hover = await call({ operation: 'hover', filePath: 'src/math.ts', line: 12, character: 17 });
    expect(hover.output).toContain('function twice(n: number): number');

    const symbols = await call({ operation: 'documentSymbol', filePath: 'src/math.ts' });
    expect((symbols.metadata.result as { name: string }[]).map((s) => s.name)).toEqual(
      expect.arrayContaining(['Shape', 'Square', 'twice']),
    );

    const found = await call({ operation: 'workspaceSymbol', query: 'Square' });
    expect((found.metadata.result as { name: string }[]).map((s) => s.name)).toContain('Square');

    const impl = await call({ operation: 'goToImplementation', filePath: 'src/math.ts', line: 1, character: 18 });
    expect(JSON.stringify(impl.metadata.result)).toMatch(/src\/math\.ts/);
    expect((impl.metadata.result as { range: { start: { line: number } } }[])[0].range.start.line).toBe(4);
  });

  it('call hierarchy: prepare, incoming and outgoing calls', async () => {
    const prepared = await call({
      operation: 'prepareCallHierarchy',
      filePath: 'src/math.ts',
      line: 12,
      character: 17,
    });
    expect(prepared.metadata.result).toEqual([expect.objectContaining({ name: 'twice' })]);
    const incoming = await call({ operation: 'incomingCalls', filePath: 'src/math.ts', line: 12, character: 17 });
    const callers = (incoming.metadata.result as { from: { name: string } }[]).map((c) => c.from.name).sort();
    expect(callers).toEqual(['area', 'report']);
    const outgoing = await call({ operation: 'outgoingCalls', filePath: 'src/main.ts', line: 3, character: 17 });
    const callees = (outgoing.metadata.result as { to: { name: string } }[]).map((c) => c.to.name);
    expect(callees).toEqual(expect.arrayContaining(['area', 'twice']));
  });

  it('an answer with nothing in it says so, as OpenCode does', async () => {
    const result = await call({ operation: 'goToDefinition', line: 2, character: 1 });
    expect(result.output).toBe('No results found for goToDefinition');
    expect(result.metadata.result).toEqual([]);
  });

  it('refuses what it cannot answer: no server for the type, a missing file, a path outside, bad positions', async () => {
    await expect(call({ operation: 'hover', filePath: 'notes.txt' })).rejects.toThrow(
      'No LSP server available for this file type.',
    );
    await expect(call({ operation: 'hover', filePath: 'src/nope.ts' })).rejects.toThrow(/File not found/);
    await expect(call({ operation: 'hover', filePath: '../../outside/x.ts' })).rejects.toThrow(/outside|not allowed/i);
    await expect(call({ operation: 'hover', line: 0 })).rejects.toThrow(/line/);
    await expect(call({ operation: 'rename' })).rejects.toThrow(/operation/);
  });

  it('config `lsp: false` (or the server disabled) turns it off for the project', async () => {
    stack.projectConfig.lsp = { typescript: { disabled: true } };
    try {
      await expect(call({ operation: 'hover' })).rejects.toThrow('No LSP server available for this file type.');
    } finally {
      delete stack.projectConfig.lsp;
    }
  });
});
