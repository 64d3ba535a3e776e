import fs from 'node:fs/promises';
import path from 'node:path';
import { findRipgrep } from '../../../workspace/ripgrep';
import { makeSandbox, makeToolContext, type Sandbox } from '../../../workspace/tool-context.fixture';
import { createGlobTool } from './glob.tool';

const engines: [string, string | null][] = [['fallback', null]];
const rg = findRipgrep();
if (rg) engines.push(['ripgrep', rg]);

describe.each(engines)('glob tool (%s)', (_name, ripgrepPath) => {
  const tool = createGlobTool({ ripgrepPath });
  let sb: Sandbox;
  beforeEach(async () => {
    sb = await makeSandbox();
  });
  afterEach(() => sb.cleanup());
  const touch = async (rel: string, ageSeconds: number) => {
    const abs = path.join(sb.ws.root, rel);
    await fs.mkdir(path.dirname(abs), { recursive: true });
    await fs.writeFile(abs, rel);
    const t = new Date(Date.now() - ageSeconds * 1000);
    await fs.utimes(abs, t, t);
  };

  it('finds matching files at any depth, newest first, as absolute paths', async () => {
    await touch('old.ts', 300);
    await touch('src/mid.ts', 200);
    await touch('src/deep/new.ts', 100);
    await touch('readme.md', 50);
    const ctx = makeToolContext(sb.ws);
    const r = await tool.execute({ pattern: '*.ts' }, ctx);
    expect(r.output.split('\n')).toEqual(
      ['src/deep/new.ts', 'src/mid.ts', 'old.ts'].map((p) => path.join(sb.ws.root, p)),
    );
    expect(r.metadata).toEqual({ count: 3, truncated: false });
    expect(ctx.asks[0]).toMatchObject({ permission: 'glob', patterns: ['*.ts'], always: ['*'] });
  });

  it('searches below a given path and honours .gitignore', async () => {
    await touch('src/a.ts', 10);
    await touch('lib/b.ts', 10);
    await touch('src/gen/skip.ts', 10);
    await fs.writeFile(path.join(sb.ws.root, '.gitignore'), 'gen/\n');
    await fs.mkdir(path.join(sb.ws.root, '.git'));
    const r = await tool.execute({ pattern: '**/*.ts', path: 'src' }, makeToolContext(sb.ws));
    expect(r.output).toBe(path.join(sb.ws.root, 'src/a.ts'));
  });

  it('says so when nothing matches and caps results at 100', async () => {
    expect((await tool.execute({ pattern: '*.nothing' }, makeToolContext(sb.ws))).output).toBe('No files found');
    await Promise.all(Array.from({ length: 105 }, (_, i) => fs.writeFile(path.join(sb.ws.root, `f${i}.txt`), '')));
    const r = await tool.execute({ pattern: '*.txt' }, makeToolContext(sb.ws));
    expect(r.metadata).toEqual({ count: 100, truncated: true });
    expect(r.output).toContain('(Showing the 100 most recently modified of 105 matches.');
  });

  it('refuses a path outside the project and a file as the search folder', async () => {
    await touch('a.ts', 1);
    await expect(tool.execute({ pattern: '*', path: '/etc' }, makeToolContext(sb.ws))).rejects.toThrow(
      /outside the project/,
    );
    await expect(tool.execute({ pattern: '*', path: 'a.ts' }, makeToolContext(sb.ws))).rejects.toThrow(/Not a folder/);
  });
});
