import fs from 'node:fs/promises';
import path from 'node:path';
import { makeSandbox, makeToolContext, type Sandbox } from '../../../workspace/tool-context.fixture';
import { multieditTool } from './multiedit.tool';

describe('multiedit tool', () => {
  let sb: Sandbox;
  beforeEach(async () => {
    sb = await makeSandbox();
  });
  afterEach(() => sb.cleanup());
  const run = (args: Record<string, unknown>, ctx = makeToolContext(sb.ws)) =>
    multieditTool.execute(args as never, ctx);
  const read = (rel: string) => fs.readFile(path.join(sb.ws.root, rel), 'utf8');

  it('applies edits in sequence with one ask and one write', async () => {
    await fs.writeFile(path.join(sb.ws.root, 'm.ts'), 'let a = 1;\nlet b = 2;\n');
    const ctx = makeToolContext(sb.ws);
    const r = await run(
      {
        filePath: 'm.ts',
        edits: [
          { oldString: 'let a = 1;', newString: 'let a = 10;' },
          { oldString: 'let a = 10;\nlet b = 2;', newString: 'let a = 10;\nlet b = 20;' },
          { oldString: 'let', newString: 'const', replaceAll: true },
        ],
      },
      ctx,
    );
    expect(await read('m.ts')).toBe('const a = 10;\nconst b = 20;\n');
    expect(ctx.asks).toHaveLength(1);
    expect(r.metadata.filediff).toMatchObject({ additions: 2, deletions: 2 });
  });

  it('is atomic: a failing edit leaves the file untouched and is named', async () => {
    await fs.writeFile(path.join(sb.ws.root, 'm.ts'), 'x\ny\n');
    const err = await run({
      filePath: 'm.ts',
      edits: [
        { oldString: 'x', newString: 'X' },
        { oldString: 'zzz', newString: 'Z' },
      ],
    }).then(
      () => undefined as never,
      (e: Error) => e,
    );
    expect(err.message).toMatch(/^Edit 2 of 2 failed: Could not find oldString/);
    expect(err.message).toContain('No changes were written.');
    expect(await read('m.ts')).toBe('x\ny\n');
  });

  it('creates a file when the first edit has an empty oldString', async () => {
    await run({
      filePath: 'n.txt',
      edits: [
        { oldString: '', newString: 'hello world\n' },
        { oldString: 'world', newString: 'there' },
      ],
    });
    expect(await read('n.txt')).toBe('hello there\n');
  });

  it('requires at least one edit', async () => {
    await expect(run({ filePath: 'n.txt', edits: [] })).rejects.toThrow(/edits/);
  });
});
