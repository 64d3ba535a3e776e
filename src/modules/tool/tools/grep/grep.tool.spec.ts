import fs from 'node:fs/promises';
import path from 'node:path';
import { settles } from '../../../../../test/utils/wait-until';
import { findRipgrep } from '../../../workspace/ripgrep';
import { makeSandbox, makeToolContext, type Sandbox } from '../../../workspace/tool-context.fixture';
import { createGrepTool } from './grep.tool';

const engines: [string, string | null][] = [['fallback', null]];
const rg = findRipgrep();
if (rg) engines.push(['ripgrep', rg]);

describe.each(engines)('grep tool (%s)', (_name, ripgrepPath) => {
  const tool = createGrepTool({ ripgrepPath });
  let sb: Sandbox;
  beforeEach(async () => {
    sb = await makeSandbox();
  });
  afterEach(() => sb.cleanup());
  const put = async (rel: string, content: string, ageSeconds = 0) => {
    const abs = path.join(sb.ws.root, rel);
    await fs.mkdir(path.dirname(abs), { recursive: true });
    await fs.writeFile(abs, content);
    const t = new Date(Date.now() - ageSeconds * 1000);
    await fs.utimes(abs, t, t);
  };

  it('groups matches per file, newest file first, as "Line N: text"', async () => {
    await put('old.ts', 'const TODO = 1;\nnothing\n// TODO later\n', 100);
    await put('src/new.ts', 'x\nTODO: now\n', 10);
    await put('skip.md', 'no match here\n', 5);
    const ctx = makeToolContext(sb.ws);
    const r = await tool.execute({ pattern: 'TODO' }, ctx);
    expect(r.output).toBe(
      [
        'Found 3 matches',
        '',
        `${path.join(sb.ws.root, 'src/new.ts')}:`,
        '  Line 2: TODO: now',
        '',
        `${path.join(sb.ws.root, 'old.ts')}:`,
        '  Line 1: const TODO = 1;',
        '  Line 3: // TODO later',
      ].join('\n'),
    );
    expect(ctx.asks[0]).toMatchObject({ permission: 'grep', patterns: ['TODO'], always: ['*'] });
  });

  it('supports regexes, include globs and a single file as path', async () => {
    await put('a.ts', 'function foo() {}\n');
    await put('b.js', 'function bar() {}\n');
    const r = await tool.execute({ pattern: 'function\\s+\\w+', include: '*.ts' }, makeToolContext(sb.ws));
    expect(r.output).toContain('a.ts');
    expect(r.output).not.toContain('b.js');
    const single = await tool.execute({ pattern: 'bar', path: 'b.js' }, makeToolContext(sb.ws));
    expect(single.output).toContain('Line 1: function bar() {}');
  });

  it('caps at 100 matches and cuts long lines at 2000 characters', async () => {
    await put('many.txt', Array.from({ length: 150 }, (_, i) => `hit ${i}`).join('\n'));
    const r = await tool.execute({ pattern: 'hit' }, makeToolContext(sb.ws));
    expect(r.output.startsWith('Found 150 matches (showing the first 100)')).toBe(true);
    expect(r.output.match(/Line \d+:/g)).toHaveLength(100);
    expect(r.metadata).toEqual({ matches: 150, truncated: true });
    await put('wide.txt', `needle${'x'.repeat(3000)}`);
    const wide = await tool.execute({ pattern: 'needle' }, makeToolContext(sb.ws));
    expect(wide.output).toContain(`Line 1: needle${'x'.repeat(1994)}…`);
    expect(wide.output).not.toContain('x'.repeat(1995));
  });

  it('reports no matches, bad regexes and paths outside', async () => {
    await put('a.txt', 'abc');
    expect((await tool.execute({ pattern: 'zzz' }, makeToolContext(sb.ws))).output).toBe('No files found');
    await expect(tool.execute({ pattern: '(' }, makeToolContext(sb.ws))).rejects.toThrow(
      /regular expression|Search failed/,
    );
    await expect(tool.execute({ pattern: 'root', path: '/etc' }, makeToolContext(sb.ws))).rejects.toThrow(
      /outside the project/,
    );
  });

  it('skips .git and binary files', async () => {
    await put('.git/config', 'secretword');
    await put('bin.dat', 'secretword\u0000\u0001');
    await put('text.txt', 'secretword');
    const r = await tool.execute({ pattern: 'secretword' }, makeToolContext(sb.ws));
    expect(r.output).toContain('text.txt');
    expect(r.output).not.toContain('.git');
  });

  it('searches saved tool output after an external_directory ask', async () => {
    const saved = path.join(sb.ws.outputDir!, 'tool_1');
    await fs.writeFile(saved, 'alpha\nneedle here\n');
    const ctx = makeToolContext(sb.ws);
    const r = await tool.execute({ pattern: 'needle', path: saved }, ctx);
    expect(r.output).toContain('Line 2: needle here');
    expect(ctx.asks.map((a) => a.permission)).toEqual(['external_directory', 'grep']);
  });
});

describe('grep tool fallback regex budget', () => {
  it('stops a catastrophically backtracking pattern instead of hanging', async () => {
    const sb = await makeSandbox();
    try {
      await fs.writeFile(path.join(sb.ws.root, 'evil.txt'), `${'a'.repeat(40)}!\n`);
      const tool = createGrepTool({ ripgrepPath: null, regexTimeoutMs: 100 });
      // Unbounded, this pattern never returns: settling with the budget's message is the fact, not the time taken.
      await expect(
        settles('a catastrophic pattern', tool.execute({ pattern: '^(a+)+$' }, makeToolContext(sb.ws))),
      ).rejects.toThrow(/took longer than 100 ms/);
    } finally {
      await sb.cleanup();
    }
  });
});
