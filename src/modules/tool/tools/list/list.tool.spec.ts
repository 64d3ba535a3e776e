import fs from 'node:fs/promises';
import path from 'node:path';
import { makeSandbox, makeToolContext, type Sandbox } from '../../../workspace/tool-context.fixture';
import { listTool, renderTree } from './list.tool';

describe('list tool', () => {
  let sb: Sandbox;
  beforeEach(async () => {
    sb = await makeSandbox();
  });
  afterEach(() => sb.cleanup());
  const put = async (rel: string) => {
    const abs = path.join(sb.ws.root, rel);
    await fs.mkdir(path.dirname(abs), { recursive: true });
    await fs.writeFile(abs, '');
  };

  it('renders an indented tree, folders first, skipping dependency folders', async () => {
    for (const f of [
      'README.md',
      'src/index.ts',
      'src/util/a.ts',
      'node_modules/x/index.js',
      '.git/HEAD',
      'dist/out.js',
    ])
      await put(f);
    const ctx = makeToolContext(sb.ws);
    const r = await listTool.execute({}, ctx);
    expect(r.output).toBe(
      [`${sb.ws.root}/`, '  src/', '    util/', '      a.ts', '    index.ts', '  README.md'].join('\n'),
    );
    expect(r.metadata).toEqual({ count: 3, truncated: false });
    expect(ctx.asks[0]).toMatchObject({ permission: 'list', patterns: ['.'] });
  });

  it('lists a sub-folder and applies extra ignore globs', async () => {
    for (const f of ['src/a.ts', 'src/a.log', 'src/fixtures/big.json', 'other/b.ts']) await put(f);
    const r = await listTool.execute({ path: 'src', ignore: ['*.log', 'fixtures/'] }, makeToolContext(sb.ws));
    expect(r.output).toBe([`${path.join(sb.ws.root, 'src')}/`, '  a.ts'].join('\n'));
  });

  it('stops at 100 files', async () => {
    await Promise.all(
      Array.from({ length: 120 }, (_, i) => fs.writeFile(path.join(sb.ws.root, `f${String(i).padStart(3, '0')}`), '')),
    );
    const r = await listTool.execute({}, makeToolContext(sb.ws));
    expect(r.metadata).toEqual({ count: 100, truncated: true });
    expect(r.output).toContain('(Showing the first 100 files.');
  });

  it('refuses files and missing folders', async () => {
    await put('a.txt');
    await expect(listTool.execute({ path: 'a.txt' }, makeToolContext(sb.ws))).rejects.toThrow(/Not a folder/);
    await expect(listTool.execute({ path: 'nope' }, makeToolContext(sb.ws))).rejects.toThrow(/not found/);
  });

  it('renderTree builds intermediate folders', () => {
    expect(renderTree('/r', ['a/b/c.txt'])).toBe('/r/\n  a/\n    b/\n      c.txt');
  });
});
