import fs from 'node:fs/promises';
import path from 'node:path';
import { makeSandbox, makeToolContext, type Sandbox } from '../../../workspace/tool-context.fixture';
import { ToolError } from '../../tool.types';
import { editTool } from './edit.tool';

describe('edit tool', () => {
  let sb: Sandbox;
  beforeEach(async () => {
    sb = await makeSandbox();
  });
  afterEach(() => sb.cleanup());
  const file = (rel: string) => path.join(sb.ws.root, rel);
  const run = (args: Record<string, unknown>, ctx = makeToolContext(sb.ws)) => editTool.execute(args as never, ctx);

  it('replaces text, asks edit with the diff and reports filediff', async () => {
    await fs.writeFile(file('a.ts'), 'const a = 1;\nconst b = 2;\n');
    const ctx = makeToolContext(sb.ws);
    const r = await run({ filePath: 'a.ts', oldString: 'const b = 2;', newString: 'const b = 3;\nconst c = 4;' }, ctx);
    expect(await fs.readFile(file('a.ts'), 'utf8')).toBe('const a = 1;\nconst b = 3;\nconst c = 4;\n');
    expect(r.output).toBe('Edit applied successfully.');
    expect(r.title).toBe('a.ts');
    expect(ctx.asks).toHaveLength(1);
    expect(ctx.asks[0]).toMatchObject({ permission: 'edit', patterns: ['a.ts'], always: ['*'] });
    expect(ctx.asks[0].metadata.diff).toContain('-const b = 2;\n+const b = 3;\n+const c = 4;');
    expect(r.metadata.filediff).toMatchObject({ file: 'a.ts', additions: 2, deletions: 1 });
    expect(r.metadata.diff).toBe(ctx.asks[0].metadata.diff);
  });

  it('keeps CRLF line endings and a BOM', async () => {
    await fs.writeFile(file('win.txt'), '\uFEFFalpha\r\nbeta\r\n');
    await run({ filePath: 'win.txt', oldString: 'beta', newString: 'gamma\ndelta' });
    expect(await fs.readFile(file('win.txt'), 'utf8')).toBe('\uFEFFalpha\r\ngamma\r\ndelta\r\n');
  });

  it('creates a file (and its folders) from an empty oldString, and overwrites with one', async () => {
    await run({ filePath: 'new/dir/f.txt', oldString: '', newString: 'hello\n' });
    expect(await fs.readFile(file('new/dir/f.txt'), 'utf8')).toBe('hello\n');
    await run({ filePath: 'new/dir/f.txt', oldString: '', newString: 'bye\n' });
    expect(await fs.readFile(file('new/dir/f.txt'), 'utf8')).toBe('bye\n');
  });

  it('reports missing and ambiguous oldString without touching the file', async () => {
    await fs.writeFile(file('x.txt'), 'dup\ndup\n');
    await expect(run({ filePath: 'x.txt', oldString: 'nope', newString: 'y' })).rejects.toThrow(
      /^Could not find oldString in the file/,
    );
    await expect(run({ filePath: 'x.txt', oldString: 'dup', newString: 'y' })).rejects.toThrow(
      /^Found multiple matches for oldString/,
    );
    expect(await fs.readFile(file('x.txt'), 'utf8')).toBe('dup\ndup\n');
    await run({ filePath: 'x.txt', oldString: 'dup', newString: 'one', replaceAll: true });
    expect(await fs.readFile(file('x.txt'), 'utf8')).toBe('one\none\n');
  });

  it('refuses a missing file and a directory', async () => {
    await expect(run({ filePath: 'ghost.txt', oldString: 'a', newString: 'b' })).rejects.toThrow(/File not found/);
    await fs.mkdir(file('folder'));
    await expect(run({ filePath: 'folder', oldString: 'a', newString: 'b' })).rejects.toBeInstanceOf(ToolError);
  });

  it('does not write when the edit permission is rejected', async () => {
    await fs.writeFile(file('keep.txt'), 'v1');
    const ctx = makeToolContext(sb.ws, { reject: () => new Error('denied') });
    await expect(run({ filePath: 'keep.txt', oldString: 'v1', newString: 'v2' }, ctx)).rejects.toThrow('denied');
    expect(await fs.readFile(file('keep.txt'), 'utf8')).toBe('v1');
  });

  it('serialises concurrent edits of one file so none is lost', async () => {
    await fs.writeFile(file('c.txt'), Array.from({ length: 10 }, (_, i) => `line${i}`).join('\n'));
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => run({ filePath: 'c.txt', oldString: `line${i}`, newString: `LINE${i}` })),
    );
    expect(await fs.readFile(file('c.txt'), 'utf8')).toBe(Array.from({ length: 10 }, (_, i) => `LINE${i}`).join('\n'));
  });
});
