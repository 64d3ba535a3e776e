import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SnapshotErrorCode } from './snapshot.errors';
import { createSandbox, fingerprint, plainGit, treeFiles, type Sandbox } from './testing/workspace.fixture';

const TWO_MB = 2 * 1024 * 1024;

describe('GitSnapshot isolation', () => {
  let box: Sandbox;
  beforeEach(() => {
    box = createSandbox();
  });
  afterEach(() => box.cleanup());

  it('leaves the workspace repository untouched and keeps .git out of snapshots', async () => {
    box.write('tracked.txt', 'v1\n');
    box.write('.gitignore', 'ignored.log\n');
    plainGit(box.workspace, ['init', '-q']);
    plainGit(box.workspace, ['add', '.']);
    plainGit(box.workspace, ['commit', '-qm', 'initial']);
    box.write('tracked.txt', 'v2 uncommitted\n');
    box.write('ignored.log', 'noise\n');
    const userGitBefore = fingerprint(path.join(box.workspace, '.git'), { includeGit: true });
    const statusBefore = plainGit(box.workspace, ['status', '--porcelain']);

    const snapshot = box.snapshot();
    const tree = await snapshot.track();
    expect(treeFiles(snapshot, tree)).toEqual(['.gitignore', 'tracked.txt']);
    box.write('tracked.txt', 'v3 by the agent\n');
    box.write('agent.txt', 'new\n');
    await snapshot.revert([await snapshot.patch(tree)]);
    await snapshot.restore(await snapshot.track());
    await snapshot.gc();

    expect(readFileSync(path.join(box.workspace, 'tracked.txt'), 'utf8')).toBe('v2 uncommitted\n');
    expect(existsSync(path.join(box.workspace, 'agent.txt'))).toBe(false);
    expect(fingerprint(path.join(box.workspace, '.git'), { includeGit: true })).toEqual(userGitBefore);
    expect(plainGit(box.workspace, ['status', '--porcelain'])).toBe(statusBefore);
    expect(snapshot.gitDir).toBe(path.join(box.snapshotRoot, 'ten_a', 'prj_a'));
  });

  it('respects nested .gitignore files and the workspace info/exclude', async () => {
    plainGit(box.workspace, ['init', '-q']);
    box.write('.git/info/exclude', 'secret-*.env\n');
    box.write('keep.txt', 'k\n');
    box.write('secret-prod.env', 'TOKEN=1\n');
    box.write('pkg/.gitignore', 'dist/\n');
    box.write('pkg/dist/bundle.js', 'x\n');
    box.write('pkg/src/index.js', 'y\n');
    const snapshot = box.snapshot();
    expect(treeFiles(snapshot, await snapshot.track())).toEqual(['keep.txt', 'pkg/.gitignore', 'pkg/src/index.js']);
  });

  it('skips untracked files over 2 MB and picks them up once they shrink', async () => {
    box.write('small.bin', Buffer.alloc(TWO_MB, 1));
    box.write('big [1]*.bin', Buffer.alloc(TWO_MB + 1, 2));
    box.write('dir/huge.dat', Buffer.alloc(3 * TWO_MB, 3));
    const snapshot = box.snapshot();
    const tree = await snapshot.track();
    expect(treeFiles(snapshot, tree)).toEqual(['small.bin']);
    expect((await snapshot.patch(tree)).files).toEqual([]);

    box.write('big [1]*.bin', 'tiny now\n');
    const next = await snapshot.track();
    expect(treeFiles(snapshot, next)).toEqual(['big [1]*.bin', 'small.bin']);
    // Restoring an older tree removes files it did not hold, but never the skipped large ones.
    await snapshot.restore(tree);
    expect(existsSync(path.join(box.workspace, 'big [1]*.bin'))).toBe(false);
    expect(existsSync(path.join(box.workspace, 'dir/huge.dat'))).toBe(true);
  });

  it('keeps bytes exact even when .gitattributes asks for conversions', async () => {
    box.write('.gitattributes', '* text eol=crlf\n*.txt filter=lfs diff=lfs merge=lfs\n');
    box.write('unix.txt', 'a\nb\n');
    box.write('dos.md', 'c\r\nd\r\n');
    const snapshot = box.snapshot();
    const state = fingerprint(box.workspace);
    const tree = await snapshot.track();
    box.write('unix.txt', 'changed\n');
    box.write('dos.md', 'changed\n');
    await snapshot.restore(tree);
    expect(fingerprint(box.workspace)).toEqual(state);
  });

  it('persists the snapshot config and installs no hooks', async () => {
    box.write('a.txt', 'a\n');
    const snapshot = box.snapshot();
    await snapshot.track();
    const read = (key: string) =>
      plainGit(box.workspace, ['config', '--get', key], { GIT_DIR: snapshot.gitDir }).trim();
    expect(['core.autocrlf', 'core.symlinks', 'core.fsmonitor', 'core.longpaths', 'core.hooksPath'].map(read)).toEqual([
      'false',
      'true',
      'false',
      'true',
      '/dev/null',
    ]);
    expect(
      existsSync(path.join(snapshot.gitDir, 'hooks')) ? readdirSync(path.join(snapshot.gitDir, 'hooks')) : [],
    ).toEqual([]);
  });

  it('serialises concurrent operations on one git dir', async () => {
    for (let i = 0; i < 20; i++) box.write(`f${i}.txt`, `${i}\n`);
    const one = box.snapshot();
    const two = box.snapshot();
    const trees = await Promise.all([one.track(), two.track(), one.track(), two.diff(await one.track()), two.track()]);
    const hashes = trees.filter((value) => /^[0-9a-f]{40}$/.test(value));
    expect(new Set(hashes).size).toBe(1);
    expect(trees[3]).toBe('');
  });

  it('stores a nested repository as a pointer and leaves its .git alone', async () => {
    box.write('nested/code.txt', 'inner\n');
    const nested = path.join(box.workspace, 'nested');
    plainGit(nested, ['init', '-q']);
    plainGit(nested, ['add', '.']);
    plainGit(nested, ['commit', '-qm', 'inner']);
    const innerGit = fingerprint(path.join(nested, '.git'), { includeGit: true });
    const snapshot = box.snapshot();
    const empty = await snapshot.track();
    box.write('top.txt', 'top\n');
    const diffs = await snapshot.diffFull(empty, await snapshot.track());
    expect(diffs).toEqual([
      { file: 'top.txt', patch: expect.stringContaining('+top'), additions: 1, deletions: 0, status: 'added' },
    ]);
    expect(treeFiles(snapshot, empty)).toEqual(['nested']);
    await snapshot.restore(empty);
    expect(fingerprint(path.join(nested, '.git'), { includeGit: true })).toEqual(innerGit);
    expect(readFileSync(path.join(nested, 'code.txt'), 'utf8')).toBe('inner\n');
  });

  it('does not delete through a symlinked folder that points outside the workspace', async () => {
    const outside = path.join(path.dirname(box.workspace), 'elsewhere');
    mkdirSync(outside);
    writeFileSync(path.join(outside, 'victim.txt'), 'keep\n');
    box.link('linked', outside);
    const snapshot = box.snapshot();
    const tree = await snapshot.track();
    await snapshot.revert([{ hash: tree, files: [path.join(box.workspace, 'linked', 'victim.txt')] }]);
    expect(readFileSync(path.join(outside, 'victim.txt'), 'utf8')).toBe('keep\n');
  });

  it('waits out a short index.lock held by another process, and gives up on a stuck one', async () => {
    box.write('a.txt', 'a\n');
    const snapshot = box.snapshot();
    await snapshot.track();
    const lock = path.join(snapshot.gitDir, 'index.lock');
    box.write('a.txt', 'b\n');
    writeFileSync(lock, '');
    const released = new Promise((resolve) => setTimeout(resolve, 60)).then(() => rmSync(lock));
    const [tree] = await Promise.all([snapshot.track(), released]);
    expect(treeFiles(snapshot, tree)).toEqual(['a.txt']);

    writeFileSync(lock, '');
    box.write('a.txt', 'c\n');
    await expect(snapshot.track()).rejects.toMatchObject({ code: SnapshotErrorCode.GitFailed });
    rmSync(lock);
  });

  it('keeps recent trees readable after gc', async () => {
    box.write('a.txt', 'first\n');
    const snapshot = box.snapshot();
    const first = await snapshot.track();
    box.write('a.txt', 'second\n');
    await snapshot.track();
    await snapshot.gc();
    await snapshot.restore(first);
    expect(readFileSync(path.join(box.workspace, 'a.txt'), 'utf8')).toBe('first\n');
  });
});
