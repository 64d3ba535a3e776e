import { performance } from 'node:perf_hooks';
import picomatch from 'picomatch';
import { compileGlob, globBase, GlobTooComplexError, isGlob, MAX_GLOB_LENGTH } from './glob-match';

const PATHS = [
  'a.ts',
  'src/a.ts',
  'src/deep/b.ts',
  'src/deep/nested/c.tsx',
  '.env',
  'src/.hidden/x.ts',
  'README.md',
  'docs/a b.md',
  'ü/ファイル.md',
  'x[1].txt',
  'node_modules/p/index.js',
  'a',
  'ab',
  'abc',
  'a/b/c/d',
];
const PATTERNS = [
  '*.ts',
  '**/*.ts',
  'src/**',
  'src/**/*.ts',
  'src/*.ts',
  '**/deep/**',
  '*.{ts,tsx}',
  '**/*.{md,tsx}',
  '?',
  '??',
  'a?c',
  '[ab]*',
  '[^a]*',
  '**',
  '*',
  '.env',
  '**/.hidden/*',
  'x\\[1\\].txt',
  '**/ファイル.md',
  'a/**/d',
  'a/**/b/**/d',
  '*/*',
  'src/{deep,.hidden}/**/*.ts',
];

describe('compileGlob', () => {
  it.each(PATTERNS)('agrees with picomatch (dot: true) on %s', (pattern) => {
    const expected = picomatch(pattern, { dot: true });
    const actual = compileGlob(pattern);
    for (const path of PATHS) expect([path, actual(path)]).toEqual([path, expected(path)]);
  });

  it.each(['*.ts', '?.ts', '[a-c].ts', '*.{ts,md}'])(
    'matches basenames like picomatch basename: true for %s',
    (pattern) => {
      const expected = picomatch(pattern, { dot: true, basename: true });
      const actual = compileGlob(pattern, { basename: true });
      for (const path of [...PATHS, 'b.ts', 'd.ts']) expect([path, actual(path)]).toEqual([path, expected(path)]);
    },
  );

  it('negates a class with ! as git does (picomatch reads it differently)', () => {
    expect(compileGlob('[!a]*')('a.ts')).toBe(false);
    expect(compileGlob('[!a]*')('b.ts')).toBe(true);
  });

  it('keeps braces literal when asked (gitignore)', () => {
    expect(compileGlob('{a,b}', { braces: false })('a')).toBe(false);
    expect(compileGlob('{a,b}', { braces: false })('{a,b}')).toBe(true);
  });

  it('matches hostile patterns in linear time where regex engines backtrack', () => {
    const cases: [string, string][] = [
      [`${'*a'.repeat(15)}*b`, 'a'.repeat(4000)],
      [`**/${'*a'.repeat(14)}*b`, `${'x/'.repeat(200)}${'a'.repeat(255)}`],
      [`${'**/a/'.repeat(16)}b`, Array(400).fill('a').join('/')],
      [`${'*?'.repeat(15)}*b`, 'a'.repeat(4000)],
      [`${'*[ab]'.repeat(15)}*c`, 'ab'.repeat(2000)],
    ];
    // A backtracking matcher never returns on these inputs (years); this one takes about 0.1 s each on a loaded
    // 2-core machine. The bound is 50× that, so it catches a complexity regression (a quadratic scan), never load;
    // the timing itself belongs in bench/.
    const generousBoundMs = 5_000;
    for (const [pattern, path] of cases) {
      const match = compileGlob(pattern);
      const started = performance.now();
      expect(match(path)).toBe(false);
      expect(performance.now() - started).toBeLessThan(generousBoundMs);
    }
  });

  it('refuses patterns over the size bounds', () => {
    expect(() => compileGlob('a'.repeat(MAX_GLOB_LENGTH + 1))).toThrow(GlobTooComplexError);
    expect(() => compileGlob('{a,b}'.repeat(8))).toThrow(GlobTooComplexError);
    expect(() => compileGlob('*a'.repeat(17))).toThrow(GlobTooComplexError);
  });

  it('finds the fixed base of a pattern', () => {
    expect(isGlob('docs/*.md')).toBe(true);
    expect(isGlob('docs/a.md')).toBe(false);
    expect(isGlob('docs/\\*.md')).toBe(false);
    expect(globBase('docs/guides/**/*.md')).toBe('docs/guides');
    expect(globBase('*.md')).toBe('.');
  });
});
