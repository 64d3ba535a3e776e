import { makeSandbox, makeToolContext, type Sandbox } from '../workspace/tool-context.fixture';
import { lspTestStack, type LspTestStack } from '../lsp/testing/lsp-test-stack';
import { SandboxRunner } from '../sandbox/sandbox-runner.service';
import { SandboxUnavailableError } from '../sandbox/sandbox.errors';
import { withCodeIntel } from './code-intel.wrap';
import type { DefinedTool } from './tool.define';
import { applyPatchTool } from './tools/apply-patch/apply-patch.tool';
import { editTool } from './tools/edit/edit.tool';
import { writeTool } from './tools/write/write.tool';
import { lspTool } from './tools/lsp/lsp.tool';
import { join } from 'node:path';

jest.setTimeout(120_000);

const patch = (...lines: string[]) => ['*** Begin Patch', ...lines, '*** End Patch'].join('\n');

describe('edit, write and apply_patch followed by the formatter and the language servers (real, sandboxed)', () => {
  let sb: Sandbox;
  let stack: LspTestStack;
  let write: DefinedTool;
  let edit: DefinedTool;
  let applyPatch: DefinedTool;

  beforeAll(async () => {
    sb = await makeSandbox();
    await sb.ws.writeText('tsconfig.json', JSON.stringify({ compilerOptions: { strict: true } }));
    stack = lspTestStack(sb.base, sb.manager);
    write = withCodeIntel(writeTool as unknown as DefinedTool, stack.intel);
    edit = withCodeIntel(editTool as unknown as DefinedTool, stack.intel);
    applyPatch = withCodeIntel(applyPatchTool as unknown as DefinedTool, stack.intel);
  });
  afterAll(async () => {
    await stack.stop();
    await sb.cleanup();
  });

  const ctx = () => makeToolContext(sb.ws);

  it("write: the file's errors appended in OpenCode's words, and the diagnostics in metadata", async () => {
    const result = await write.execute({ filePath: 'src/lib.ts', content: 'export const n: string = 1;\n' }, ctx());
    const file = join(sb.ws.root, 'src/lib.ts');
    expect(result.output).toBe(
      'Wrote file successfully.\n\nLSP errors detected in this file, please fix:\n' +
        `<diagnostics file="${file}">\nERROR [1:14] Type 'number' is not assignable to type 'string'.\n</diagnostics>`,
    );
    const diagnostics = result.metadata.diagnostics as Record<string, { severity: number }[]>;
    expect(diagnostics[file]).toEqual([expect.objectContaining({ severity: 1, source: 'typescript' })]);
    expect(stack.published.map((e) => e.type)).toContain('lsp.client.diagnostics');
  });

  it('edit that fixes it: no report; write that breaks an importer reports the other file', async () => {
    await write.execute(
      { filePath: 'src/use.ts', content: "import { n } from './lib';\nexport const m = n;\n" },
      ctx(),
    );
    const fixed = await edit.execute(
      { filePath: 'src/lib.ts', oldString: 'const n: string = 1', newString: "const n: string = 'one'" },
      ctx(),
    );
    expect(fixed.output).toBe('Edit applied successfully.');
    const broke = await write.execute({ filePath: 'src/lib.ts', content: 'export const k = 1;\n' }, ctx());
    expect(broke.output).toContain('LSP errors detected in other files:');
    expect(broke.output).toContain(`<diagnostics file="${join(sb.ws.root, 'src/use.ts')}">`);
    expect(broke.output).toMatch(/ERROR \[1:10\] Module '".\/lib"' has no exported member 'n'/);
  });

  it('apply_patch: a Python error from pyright, per changed file', async () => {
    const result = await applyPatch.execute(
      { patchText: patch('*** Add File: app.py', '+def f(x: int) -> int:', '+    return x', '+', '+f("no")') },
      ctx(),
    );
    expect(result.output).toContain('LSP errors detected in this file, please fix:');
    expect(result.output).toMatch(/ERROR \[4:3\] Argument of type "Literal\['no'\]"/);
  });

  it('files no server handles pass through unchanged', async () => {
    const result = await write.execute({ filePath: 'README.md', content: '# hi\n' }, ctx());
    expect(result.output).toBe('Wrote file successfully.');
    expect(result.metadata.diagnostics).toEqual({});
  });

  it("prettier formats with the project's own configuration, only when the project asks for it", async () => {
    await write.execute({ filePath: 'plain.ts', content: 'export const a = "x"\n' }, ctx());
    expect(await sb.ws.readText('plain.ts')).toBe('export const a = "x"\n');
    const scope = { tenantId: sb.ws.tenantId, projectId: sb.ws.projectId, root: sb.ws.root };
    expect(await stack.formatter.status(makeToolContext(sb.ws).auth, scope)).toEqual([
      expect.objectContaining({ name: 'prettier', enabled: false }),
    ]);

    await sb.ws.writeText('.prettierrc', JSON.stringify({ singleQuote: true, semi: true }));
    await write.execute({ filePath: 'styled.ts', content: 'export const a = "x"\n' }, ctx());
    expect(await sb.ws.readText('styled.ts')).toBe("export const a = 'x';\n");
    expect(await stack.formatter.status(makeToolContext(sb.ws).auth, scope)).toEqual([
      { name: 'prettier', extensions: expect.arrayContaining(['.ts', '.md']), enabled: true },
    ]);

    stack.projectConfig.formatter = false;
    try {
      await write.execute({ filePath: 'off.ts', content: 'export const a = "x"\n' }, ctx());
      expect(await sb.ws.readText('off.ts')).toBe('export const a = "x"\n');
      expect(await stack.formatter.status(makeToolContext(sb.ws).auth, scope)).toEqual([]);
    } finally {
      delete stack.projectConfig.formatter;
    }
  });
});

describe('without bubblewrap (SANDBOX=required): no unsandboxed fallback', () => {
  let sb: Sandbox;
  let stack: LspTestStack;

  beforeAll(async () => {
    sb = await makeSandbox();
    await sb.ws.writeText('.prettierrc', '{}');
    const runner = new SandboxRunner({ stateDir: join(sb.base, 'state'), bwrapPath: null });
    stack = lspTestStack(sb.base, sb.manager, {}, runner);
  });
  afterAll(async () => {
    await stack.stop();
    await sb.cleanup();
  });

  it('the lsp tool and the formatter refuse with SandboxUnavailableError; an edit stands and says it was not formatted', async () => {
    await sb.ws.writeText('a.ts', 'export const a = 1;\n');
    const tool = lspTool({ lsp: stack.lsp });
    await expect(
      tool.execute({ operation: 'hover', filePath: 'a.ts', line: 1, character: 14 }, makeToolContext(sb.ws)),
    ).rejects.toBeInstanceOf(SandboxUnavailableError);
    const scope = { tenantId: sb.ws.tenantId, projectId: sb.ws.projectId, root: sb.ws.root };
    await expect(
      stack.formatter.format(makeToolContext(sb.ws).auth, scope, [join(sb.ws.root, 'a.ts')]),
    ).rejects.toBeInstanceOf(SandboxUnavailableError);

    const write = withCodeIntel(writeTool as unknown as DefinedTool, stack.intel);
    const result = await write.execute({ filePath: 'b.ts', content: 'export const b = "x"\n' }, makeToolContext(sb.ws));
    expect(result.output).toMatch(/^Wrote file successfully\.\n\nThe file was not formatted: Commands are disabled/);
    expect(await sb.ws.readText('b.ts')).toBe('export const b = "x"\n');
    expect(stack.pool.count()).toBe(0);
  });
});
