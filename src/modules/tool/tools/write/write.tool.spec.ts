import fs from 'node:fs/promises';
import path from 'node:path';
import { makeSandbox, makeToolContext, type Sandbox } from '../../../workspace/tool-context.fixture';
import { writeTool } from './write.tool';

describe('write tool', () => {
  let sb: Sandbox;
  beforeEach(async () => {
    sb = await makeSandbox();
  });
  afterEach(() => sb.cleanup());
  const run = (args: Record<string, unknown>, ctx = makeToolContext(sb.ws)) => writeTool.execute(args as never, ctx);

  it('creates a file with parent folders and asks edit with a diff', async () => {
    const ctx = makeToolContext(sb.ws);
    const r = await run({ filePath: 'src/new.ts', content: 'a\nb\n' }, ctx);
    expect(await fs.readFile(path.join(sb.ws.root, 'src/new.ts'), 'utf8')).toBe('a\nb\n');
    expect(r.title).toBe('src/new.ts');
    expect(r.metadata).toMatchObject({ exists: false, filediff: { file: 'src/new.ts', additions: 2, deletions: 0 } });
    expect(ctx.asks).toEqual([
      expect.objectContaining({
        permission: 'edit',
        patterns: ['src/new.ts'],
        always: ['*'],
        metadata: expect.objectContaining({ diff: r.metadata.diff }),
      }),
    ]);
    expect(String(r.metadata.diff)).toContain('+a\n+b');
  });

  it('overwrites an existing file and reports the change', async () => {
    await run({ filePath: 'f.txt', content: 'one\ntwo\n' });
    const r = await run({ filePath: path.join(sb.ws.root, 'f.txt'), content: 'one\nthree\n' });
    expect(await fs.readFile(path.join(sb.ws.root, 'f.txt'), 'utf8')).toBe('one\nthree\n');
    expect(r.metadata).toMatchObject({ exists: true, filediff: { additions: 1, deletions: 1 } });
  });

  it('writes nothing when permission is rejected or the quota would be passed', async () => {
    const rejected = makeToolContext(sb.ws, { reject: () => new Error('no') });
    await expect(run({ filePath: 'r.txt', content: 'x' }, rejected)).rejects.toThrow('no');
    const small = await sb.manager.get('ten_q', 'tiny', { quotaBytes: 10 });
    await expect(
      writeTool.execute({ filePath: 'q.txt', content: 'x'.repeat(11) }, makeToolContext(small)),
    ).rejects.toThrow(/quota/);
    await expect(fs.access(path.join(sb.ws.root, 'r.txt'))).rejects.toThrow();
    await expect(fs.access(path.join(small.root, 'q.txt'))).rejects.toThrow();
  });

  it('refuses writing over a directory', async () => {
    await fs.mkdir(path.join(sb.ws.root, 'dir'));
    await expect(run({ filePath: 'dir', content: 'x' })).rejects.toThrow(/directory/);
  });
});
