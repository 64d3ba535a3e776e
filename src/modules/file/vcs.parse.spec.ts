import { fuzzyFilter } from './fuzzy';
import { countLines, parseNameStatus, parseNumstat, parsePorcelain, splitPatch } from './vcs.parse';

describe('git output parsing', () => {
  it('reads porcelain status codes', () => {
    const map = parsePorcelain(' M a.txt\n D gone.txt\n?? new dir/n.txt\nA  staged.txt\n!! ignored\n');
    expect(Object.fromEntries(map)).toEqual({
      'a.txt': { status: 'modified', untracked: false },
      'gone.txt': { status: 'deleted', untracked: false },
      'new dir/n.txt': { status: 'added', untracked: true },
      'staged.txt': { status: 'added', untracked: false },
    });
  });

  it('reads numstat, binary files counting zero', () => {
    expect(Object.fromEntries(parseNumstat('2\t1\ta.txt\n-\t-\timg.png\n'))).toEqual({
      'a.txt': { additions: 2, deletions: 1 },
      'img.png': { additions: 0, deletions: 0 },
    });
  });

  it('reads name-status letters', () => {
    expect(Object.fromEntries(parseNameStatus('A\tnew.txt\nD\told.txt\nM\tx.ts\nT\tlink\n'))).toEqual({
      'new.txt': 'added',
      'old.txt': 'deleted',
      'x.ts': 'modified',
      link: 'modified',
    });
  });

  it('splits a multi-file patch by file', () => {
    const patch = 'diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\ndiff --git a/y z b/y z\n+++ b/y z\n';
    const files = splitPatch(patch);
    expect([...files.keys()]).toEqual(['x', 'y z']);
    expect(files.get('x')).toBe('diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n');
  });

  it('counts lines with or without a final newline', () => {
    expect([countLines(''), countLines('a'), countLines('a\n'), countLines('a\nb')]).toEqual([0, 1, 1, 2]);
  });
});

describe('fuzzy file search', () => {
  it('needs every query character in order and prefers file-name and segment-start matches', () => {
    const files = ['src/lib/util.ts', 'src/utilities/index.ts', 'README.md', 'test/unit.spec.ts'];
    expect(fuzzyFilter('util', files, 10).slice(0, 2)).toEqual(['src/lib/util.ts', 'src/utilities/index.ts']);
    expect(fuzzyFilter('zzz', files, 10)).toEqual([]);
    expect(fuzzyFilter('', files, 2)).toHaveLength(2);
  });
});
