import fs from 'node:fs/promises';
import path from 'node:path';
import { makeSandbox, makeToolContext, type Sandbox } from '../../../workspace/tool-context.fixture';
import { applyPatchTool } from './apply-patch.tool';
import { applyChunks, seekSequence } from './patch-apply';
import { parsePatch } from './patch-parse';

const patch = (...lines: string[]) => ['*** Begin Patch', ...lines, '*** End Patch'].join('\n');

describe('apply_patch parsing', () => {
  it('parses add, delete, update with move, hunks and end-of-file anchors', () => {
    const ops = parsePatch(
      patch(
        '*** Add File: a.txt',
        '+one',
        '+two',
        '*** Delete File: b.txt',
        '*** Update File: c.txt',
        '*** Move to: d.txt',
        '@@ function f() {',
        ' keep',
        '-old',
        '+new',
        '*** End of File',
      ),
    );
    expect(ops).toEqual([
      { kind: 'add', path: 'a.txt', content: 'one\ntwo\n' },
      { kind: 'delete', path: 'b.txt' },
      {
        kind: 'update',
        path: 'c.txt',
        moveTo: 'd.txt',
        chunks: [{ context: 'function f() {', oldLines: ['keep', 'old'], newLines: ['keep', 'new'], endOfFile: true }],
      },
    ]);
  });

  it('rejects a malformed envelope or section', () => {
    expect(() => parsePatch('*** Add File: a\n+x')).toThrow(/Begin Patch/);
    expect(() => parsePatch('*** Begin Patch\n*** Add File: a\n+x')).toThrow(/End Patch/);
    expect(() => parsePatch(patch('*** Add File: a', 'no plus'))).toThrow(/must start with "\+"/);
    expect(() => parsePatch(patch('garbage'))).toThrow(/unexpected line/);
    expect(() => parsePatch(patch())).toThrow(/no file operations/);
    expect(() => parsePatch(patch('*** Update File: x'))).toThrow(/no changes/);
  });

  it('finds sequences with increasingly loose comparisons and honours end-of-file', () => {
    expect(seekSequence(['a', 'b  ', ' c'], ['b', 'c'], 0, false)).toBe(1);
    expect(seekSequence(['x', 'y', 'x'], ['x'], 0, true)).toBe(2);
    expect(seekSequence(['say \u201Chi\u201D'], ['say "hi"'], 0, false)).toBe(0);
    expect(
      applyChunks('a\nb\nc\n', [{ context: undefined, oldLines: ['b'], newLines: ['B', 'B2'], endOfFile: false }], 'f'),
    ).toBe('a\nB\nB2\nc\n');
  });
});

describe('apply_patch tool', () => {
  let sb: Sandbox;
  beforeEach(async () => {
    sb = await makeSandbox();
    await fs.writeFile(path.join(sb.ws.root, 'main.py'), 'def f():\n    return 1\n\ndef g():\n    return 2\n');
    await fs.writeFile(path.join(sb.ws.root, 'old.txt'), 'bye\n');
    await fs.writeFile(path.join(sb.ws.root, 'mv.txt'), 'alpha\nbeta\n');
  });
  afterEach(() => sb.cleanup());
  const read = (rel: string) => fs.readFile(path.join(sb.ws.root, rel), 'utf8');
  const exists = (rel: string) =>
    fs.access(path.join(sb.ws.root, rel)).then(
      () => true,
      () => false,
    );

  it('applies every kind of section with one edit ask covering all paths', async () => {
    const ctx = makeToolContext(sb.ws);
    const r = await applyPatchTool.execute(
      {
        patchText: patch(
          '*** Add File: pkg/new.py',
          '+x = 1',
          '*** Delete File: old.txt',
          '*** Update File: main.py',
          '@@ def g():',
          '-    return 2',
          '+    return 20',
          '*** Update File: mv.txt',
          '*** Move to: moved/mv.txt',
          '@@',
          ' alpha',
          '-beta',
          '+gamma',
        ),
      },
      ctx,
    );
    expect(await read('pkg/new.py')).toBe('x = 1\n');
    expect(await exists('old.txt')).toBe(false);
    expect(await read('main.py')).toBe('def f():\n    return 1\n\ndef g():\n    return 20\n');
    expect(await read('moved/mv.txt')).toBe('alpha\ngamma\n');
    expect(await exists('mv.txt')).toBe(false);
    expect(r.output).toBe('Success. Updated the following files:\nA pkg/new.py\nD old.txt\nM main.py\nM moved/mv.txt');
    expect(ctx.asks).toHaveLength(1);
    expect(ctx.asks[0].permission).toBe('edit');
    expect(ctx.asks[0].patterns).toEqual(['pkg/new.py', 'old.txt', 'main.py', 'mv.txt', 'moved/mv.txt']);
    expect(String(ctx.asks[0].metadata.diff)).toContain('+    return 20');
    expect((r.metadata.files as unknown[]).length).toBe(4);
  });

  it('verifies everything first: one bad hunk means no file changes', async () => {
    const err = await applyPatchTool
      .execute(
        {
          patchText: patch(
            '*** Add File: fresh.txt',
            '+hi',
            '*** Update File: main.py',
            '@@',
            '-    return 999',
            '+    return 0',
          ),
        },
        makeToolContext(sb.ws),
      )
      .then(
        () => undefined as never,
        (e: Error) => e,
      );
    expect(err.message).toMatch(/Failed to apply the patch to main.py/);
    expect(await exists('fresh.txt')).toBe(false);
    expect(await read('main.py')).toContain('return 1');
  });

  it('refuses updating or deleting a missing file and naming a file twice', async () => {
    await expect(
      applyPatchTool.execute({ patchText: patch('*** Delete File: ghost.txt') }, makeToolContext(sb.ws)),
    ).rejects.toThrow(/does not exist/);
    await expect(
      applyPatchTool.execute(
        { patchText: patch('*** Delete File: old.txt', '*** Update File: old.txt', '-bye', '+hi') },
        makeToolContext(sb.ws),
      ),
    ).rejects.toThrow(/more than one section/);
    expect(await read('old.txt')).toBe('bye\n');
  });

  it('keeps CRLF endings of updated files and anchors end-of-file hunks', async () => {
    await fs.writeFile(path.join(sb.ws.root, 'w.txt'), 'x\r\nend\r\nx\r\nend\r\n');
    await applyPatchTool.execute(
      { patchText: patch('*** Update File: w.txt', '@@', ' x', '-end', '+fin', '*** End of File') },
      makeToolContext(sb.ws),
    );
    expect(await read('w.txt')).toBe('x\r\nend\r\nx\r\nfin\r\n');
  });

  it('writes nothing when the ask is rejected', async () => {
    const ctx = makeToolContext(sb.ws, { reject: () => new Error('rejected') });
    await expect(applyPatchTool.execute({ patchText: patch('*** Delete File: old.txt') }, ctx)).rejects.toThrow(
      'rejected',
    );
    expect(await exists('old.txt')).toBe(true);
  });
});
