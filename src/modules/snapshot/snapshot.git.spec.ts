import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SnapshotError, SnapshotErrorCode } from './snapshot.errors';
import { createSandbox, fingerprint, treeFiles, type Sandbox } from './testing/workspace.fixture';

const SPECIAL = [
  'with space.txt',
  'ünïcødé/ファイル.md',
  'line\nbreak.txt',
  'star*[x]?.txt',
  '#hash',
  '!bang',
  'tab\tname',
];

function seed(box: Sandbox): void {
  box.write('README.md', 'hello\n');
  box.write('src/deep/nested/a.ts', Array.from({ length: 50 }, (_, i) => `line ${i}`).join('\n') + '\n');
  box.write('image.bin', randomBytes(4096));
  box.write('crlf.txt', 'windows\r\nline\r\n');
  box.write('empty', '');
  box.link('link-to-readme', 'README.md');
  box.link('dangling', 'does/not/exist');
  for (const name of SPECIAL) box.write(name, `content of ${JSON.stringify(name)}\n`);
}

function mutate(box: Sandbox): void {
  box.write('README.md', 'hello\nworld\n');
  box.write(
    'src/deep/nested/a.ts',
    readFileSync(path.join(box.workspace, 'src/deep/nested/a.ts'), 'utf8').replace('line 25', 'LINE 25'),
  );
  box.write('image.bin', randomBytes(4096));
  box.remove('crlf.txt');
  box.remove('with space.txt');
  box.write('brand/new/dir/file.txt', 'new\n');
  box.write('line\nbreak.txt', 'changed\n');
  box.link('link-to-readme', 'src/deep/nested/a.ts');
}

describe('GitSnapshot', () => {
  let box: Sandbox;
  beforeEach(() => {
    box = createSandbox();
  });
  afterEach(() => box.cleanup());

  it('returns the same tree for the same content and a new one after a change', async () => {
    seed(box);
    const snapshot = box.snapshot();
    const first = await snapshot.track();
    expect(first).toMatch(/^[0-9a-f]{40}$/);
    expect(await snapshot.track()).toBe(first);
    box.write('README.md', 'changed\n');
    expect(await snapshot.track()).not.toBe(first);
    expect(treeFiles(snapshot, first)).toEqual(
      expect.arrayContaining(['README.md', 'src/deep/nested/a.ts', 'link-to-readme', 'dangling', ...SPECIAL]),
    );
  });

  it('restores every byte, symlink and special name in both directions', async () => {
    seed(box);
    const snapshot = box.snapshot();
    const before = fingerprint(box.workspace);
    const beforeTree = await snapshot.track();
    mutate(box);
    const after = fingerprint(box.workspace);
    const afterTree = await snapshot.track();
    expect(after).not.toEqual(before);

    await snapshot.restore(beforeTree);
    expect(fingerprint(box.workspace)).toEqual(before);
    expect(existsSync(path.join(box.workspace, 'brand'))).toBe(false); // emptied folders are pruned too
    expect(readFileSync(path.join(box.workspace, 'crlf.txt'), 'latin1')).toBe('windows\r\nline\r\n');

    await snapshot.restore(afterTree);
    expect(fingerprint(box.workspace)).toEqual(after);
  });

  it('patch lists the absolute paths changed since a tree', async () => {
    seed(box);
    const snapshot = box.snapshot();
    const tree = await snapshot.track();
    mutate(box);
    const patch = await snapshot.patch(tree);
    expect(patch.hash).toBe(tree);
    const expected = [
      'README.md',
      'src/deep/nested/a.ts',
      'image.bin',
      'crlf.txt',
      'with space.txt',
      'brand/new/dir/file.txt',
      'line\nbreak.txt',
      'link-to-readme',
    ];
    expect([...patch.files].sort()).toEqual(expected.map((file) => path.join(box.workspace, file)).sort());
    expect((await snapshot.patch(await snapshot.track())).files).toEqual([]);
  });

  it('diff renders a unified diff against a tree', async () => {
    seed(box);
    const snapshot = box.snapshot();
    const tree = await snapshot.track();
    mutate(box);
    const text = await snapshot.diff(tree);
    expect(text).toContain('--- a/README.md\n+++ b/README.md\n@@ -1 +1,2 @@\n hello\n+world\n');
    expect(text).toContain('deleted file mode 100644');
    expect(text).toContain('Binary files a/image.bin and b/image.bin differ');
    expect(text).toContain('+++ b/brand/new/dir/file.txt');
  });

  it('diffFull gives per-file status, counts and full-context patches', async () => {
    seed(box);
    const snapshot = box.snapshot();
    const from = await snapshot.track();
    mutate(box);
    const to = await snapshot.track();
    const diffs = await snapshot.diffFull(from, to);
    const byFile = Object.fromEntries(diffs.map((diff) => [diff.file, diff]));
    expect(Object.keys(byFile).sort()).toEqual(
      [
        'README.md',
        'brand/new/dir/file.txt',
        'crlf.txt',
        'image.bin',
        'line\nbreak.txt',
        'link-to-readme',
        'src/deep/nested/a.ts',
        'with space.txt',
      ].sort(),
    );
    expect(byFile['README.md']).toMatchObject({ status: 'modified', additions: 1, deletions: 0 });
    expect(byFile['crlf.txt']).toMatchObject({ status: 'deleted', additions: 0, deletions: 2 });
    expect(byFile['brand/new/dir/file.txt']).toMatchObject({ status: 'added', additions: 1, deletions: 0 });
    expect(byFile['image.bin']).toEqual({
      file: 'image.bin',
      patch: '',
      additions: 0,
      deletions: 0,
      status: 'modified',
    });
    const source = byFile['src/deep/nested/a.ts'];
    expect(source).toMatchObject({ status: 'modified', additions: 1, deletions: 1 });
    // Full context: the untouched first and last lines are part of the single hunk.
    expect(source.patch).toContain('@@ -1,50 +1,50 @@\n line 0\n');
    expect(source.patch).toContain('-line 25\n+LINE 25\n');
    expect(source.patch).toContain(' line 49\n');
    expect(byFile['link-to-readme'].patch).toContain('-README.md');
    expect(await snapshot.diffFull(to, to)).toEqual([]);
  });

  it('diffFull reads more than one batch of files', async () => {
    for (let i = 0; i < 230; i++) box.write(`many/f${i}.txt`, `v1 ${i}\n`);
    const snapshot = box.snapshot();
    const from = await snapshot.track();
    for (let i = 0; i < 230; i++) box.write(`many/f${i}.txt`, `v2 ${i}\n`);
    const diffs = await snapshot.diffFull(from, await snapshot.track());
    expect(diffs).toHaveLength(230);
    expect(diffs.every((diff) => diff.additions === 1 && diff.deletions === 1)).toBe(true);
    expect(diffs.find((diff) => diff.file === 'many/f229.txt')?.patch).toContain('-v1 229\n+v2 229\n');
  });

  it('revert puts each file back to the earliest patch that lists it', async () => {
    seed(box);
    const snapshot = box.snapshot();
    const state0 = fingerprint(box.workspace);
    const tree0 = await snapshot.track();
    box.write('README.md', 'step one\n');
    box.write('added-in-step-one.txt', 'one\n');
    const patch1 = await snapshot.patch(tree0);
    const tree1 = await snapshot.track();
    const state1 = fingerprint(box.workspace);
    box.write('README.md', 'step two\n');
    box.remove('empty');
    box.write('line\nbreak.txt', 'step two\n');
    box.write('sub/added-in-step-two.txt', 'two\n');
    const patch2 = await snapshot.patch(tree1);

    await snapshot.revert([patch2]);
    expect(fingerprint(box.workspace)).toEqual(state1);
    expect(existsSync(path.join(box.workspace, 'sub'))).toBe(false);

    box.write('README.md', 'step two\n'); // redo step two partially, then revert both steps
    await snapshot.revert([patch1, patch2]);
    expect(fingerprint(box.workspace)).toEqual(state0);
  });

  it('revert never touches paths outside the workspace or inside .git', async () => {
    seed(box);
    const snapshot = box.snapshot();
    const tree = await snapshot.track();
    const outside = path.join(path.dirname(box.workspace), 'outside.txt');
    writeFileSync(outside, 'keep me\n');
    box.write('.git/config', 'not a repo, but must survive\n');
    await snapshot.revert([
      {
        hash: tree,
        files: [outside, path.join(box.workspace, '../outside.txt'), path.join(box.workspace, '.git/config')],
      },
    ]);
    expect(readFileSync(outside, 'utf8')).toBe('keep me\n');
    expect(readFileSync(path.join(box.workspace, '.git/config'), 'utf8')).toBe('not a repo, but must survive\n');
  });

  it('rejects unsafe locations and reports timeouts as SnapshotError', async () => {
    expect(() => box.snapshot({ tenantId: '../escape' })).toThrow(SnapshotError);
    expect(() => box.snapshot({ workspace: 'relative/path' })).toThrow(SnapshotError);
    seed(box);
    await expect(box.snapshot({ timeoutMs: 1 }).track()).rejects.toMatchObject({ code: SnapshotErrorCode.GitTimeout });
  });
});
