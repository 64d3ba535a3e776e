import { alwaysPattern, commandPrefix, tokenize } from './bash-arity';
import { wildcardMatch } from './permission.rules';

describe('tokenize', () => {
  it('honours quotes and escapes', () => {
    expect(tokenize(`git commit -m "fix: a \\"b\\"" 'x y' a\\ b`)).toEqual([
      'git',
      'commit',
      '-m',
      'fix: a "b"',
      'x y',
      'a b',
    ]);
    expect(tokenize('  ls   -la  ')).toEqual(['ls', '-la']);
    expect(tokenize('echo ""')).toEqual(['echo', '']);
    expect(tokenize('')).toEqual([]);
  });
});

describe('alwaysPattern', () => {
  it.each([
    ['git commit -m "x"', 'git commit *'],
    ['git status', 'git status *'],
    ['git stash pop', 'git stash pop *'],
    ['npm run dev --port 3000', 'npm run dev *'],
    ['npm install lodash', 'npm install *'],
    ['npm test', 'npm test *'],
    ['ls', 'ls *'],
    ['ls -la src', 'ls *'],
    ['python3 -m pytest -q', 'python3 -m pytest *'],
    ['docker compose up -d', 'docker compose up *'],
    ['gh pr create --fill', 'gh pr create *'],
    ['unknowntool --flag value', 'unknowntool *'],
    ['NODE_ENV=test npx jest a.spec.ts', 'npx jest *'],
  ])('%s -> %s', (command, expected) => {
    expect(alwaysPattern(command)).toBe(expected);
  });

  it('is undefined for an empty command', () => {
    expect(alwaysPattern('   ')).toBeUndefined();
    expect(commandPrefix(['A=1'])).toEqual([]);
  });

  it('produces a pattern that covers the command itself and its bare form', () => {
    for (const command of ['git commit -m x', 'npm run dev', 'ls']) {
      const pattern = alwaysPattern(command)!;
      expect(wildcardMatch(command, pattern)).toBe(true);
      expect(wildcardMatch(pattern.slice(0, -2), pattern)).toBe(true);
    }
    expect(wildcardMatch('git push', alwaysPattern('git commit -m x')!)).toBe(false);
  });
});
