import { makeSandbox, makeToolContext, type Sandbox } from '../../../workspace/tool-context.fixture';
import { lspTool } from './lsp.tool';

describe('lsp tool', () => {
  let sb: Sandbox;
  beforeAll(async () => (sb = await makeSandbox()));
  afterAll(() => sb.cleanup());

  it('says plainly that no language server is available, naming the one it would need', async () => {
    const ctx = makeToolContext(sb.ws);
    await expect(
      lspTool.execute({ operation: 'hover', filePath: 'src/a.ts', line: 1, character: 1 }, ctx),
    ).rejects.toThrow(
      /unavailable on this server: typescript-language-server \(TypeScript\/JavaScript\) is not installed/,
    );
    expect(ctx.asks[0]).toMatchObject({ permission: 'lsp' });
  });

  it('validates 1-based positions', async () => {
    await expect(
      lspTool.execute({ operation: 'hover', filePath: 'a.ts', line: 0, character: 1 }, makeToolContext(sb.ws)),
    ).rejects.toThrow(/line/);
  });
});
