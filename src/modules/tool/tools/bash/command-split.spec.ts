import fc from 'fast-check';
import { bashPermission } from './bash.tool';
import { splitCommands } from './command-split';

const texts = (source: string) => splitCommands(source).map((command) => command.text);

describe('splitCommands', () => {
  it('splits on &&, ||, ;, |, & and newlines', () => {
    expect(texts('git status && npm test || echo failed; ls -la | grep src & wc -l\npwd')).toEqual([
      'git status',
      'npm test',
      'echo failed',
      'ls -la',
      'grep src',
      'wc -l',
      'pwd',
    ]);
  });

  it('keeps operators inside quotes as text', () => {
    expect(texts(`echo "a && b; c | d" 'e || f'`)).toEqual([`echo "a && b; c | d" 'e || f'`]);
    expect(splitCommands(`git commit -m "fix: a; b"`)[0].words).toEqual(['git', 'commit', '-m', 'fix: a; b']);
  });

  it('finds commands inside $( ), backticks and nested substitutions', () => {
    expect(texts('echo $(rm -rf build && curl example.org) `whoami`')).toEqual([
      'rm -rf build',
      'curl example.org',
      'whoami',
      'echo $(rm -rf build && curl example.org) `whoami`',
    ]);
    expect(texts('echo "outer $(echo "inner $(date)")"')).toEqual([
      'date',
      'echo "inner $(date)"',
      'echo "outer $(echo "inner $(date)")"',
    ]);
  });

  it('does not treat single-quoted $( ) or arithmetic as commands', () => {
    expect(texts(`echo '$(id)' $((1 + 2)) \${HOME}`)).toEqual([`echo '$(id)' $((1 + 2)) \${HOME}`]);
  });

  it('opens subshells, groups, process substitution and control keywords', () => {
    expect(texts('(cd sub && make) ; { echo a; echo b; }')).toEqual(['cd sub', 'make', 'echo a', 'echo b']);
    expect(texts('if [ -f x ]; then rm x; else touch x; fi')).toEqual(['[ -f x ]', 'rm x', 'touch x']);
    expect(texts('for f in *.ts; do echo "$f"; done')).toEqual(['echo "$f"']);
    expect(texts('diff <(sort a) <(sort b)')).toEqual(['sort a', 'sort b', 'diff <(sort a) <(sort b)']);
  });

  it('still looks inside a misplaced parenthesis (found by the fuzz property below)', () => {
    expect(texts('echo a (rm -rf x)')).toEqual(['rm -rf x', 'echo a']);
  });

  it('skips heredoc bodies but still finds substitutions in unquoted ones', () => {
    expect(texts('cat <<EOF > notes.txt\nline; rm -rf /\n$(id)\nEOF\nls')).toEqual([
      'cat <<EOF > notes.txt',
      'id',
      'ls',
    ]);
    expect(texts("cat <<'EOF'\n$(id)\nEOF\necho done")).toEqual(["cat <<'EOF'", 'echo done']);
  });

  it('drops redirection targets and comments from words', () => {
    const [command] = splitCommands('FOO=1 npm run build 2>&1 > out.log # && rm -rf /');
    expect(command).toEqual({ text: 'FOO=1 npm run build 2>&1 > out.log', words: ['FOO=1', 'npm', 'run', 'build'] });
    expect(texts('make |& tee log &> all.log')).toEqual(['make', 'tee log &> all.log']);
  });

  it('joins backslash-newline continuations', () => {
    expect(splitCommands('ls \\\n  -la')[0].words).toEqual(['ls', '-la']);
  });
});

describe('bashPermission', () => {
  it('asks for each sub-command and offers arity prefixes as always', () => {
    expect(bashPermission('git commit -m "x" && npm run dev -- --port 3 | cat')).toEqual({
      patterns: ['git commit -m "x"', 'npm run dev -- --port 3', 'cat'],
      always: ['git commit *', 'npm run dev *', 'cat *'],
    });
  });

  it('ignores leading assignments for always and deduplicates', () => {
    expect(bashPermission('CI=1 ls; ls')).toEqual({ patterns: ['CI=1 ls', 'ls'], always: ['ls *'] });
  });

  it('keeps a command with no runnable part as its own pattern', () => {
    expect(bashPermission('# just a comment')).toEqual({ patterns: ['# just a comment'], always: [] });
  });
});

describe('splitCommands (properties)', () => {
  const KEYWORDS = new Set([
    'if',
    'then',
    'elif',
    'else',
    'do',
    'while',
    'until',
    'time',
    'exec',
    'fi',
    'done',
    'esac',
    'for',
    'select',
    'case',
    'function',
  ]);
  const word = fc.stringMatching(/^[a-z0-9_./-]{1,8}$/).filter((w) => !KEYWORDS.has(w));
  const simple = fc.array(word, { minLength: 1, maxLength: 4 }).map((words) => words.join(' '));
  const operator = fc.constantFrom(' && ', ' || ', '; ', ' | ', '\n', ' & ', ' |& ');

  it('finds exactly the simple commands joined by any operators', () => {
    fc.assert(
      fc.property(
        fc.array(simple, { minLength: 1, maxLength: 6 }),
        fc.array(operator, { minLength: 6, maxLength: 6 }),
        (commands, operators) => {
          const source = commands
            .map((command, index) => (index === 0 ? command : operators[index - 1] + command))
            .join('');
          expect(texts(source)).toEqual(commands);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never throws or hangs on arbitrary shell-like input', () => {
    const shellish = fc.string({ unit: fc.constantFrom(...'ab $()`\'"\\;&|<>{}#\n=-0'.split('')), maxLength: 60 });
    fc.assert(
      fc.property(shellish, (source) => {
        const commands = splitCommands(source);
        for (const command of commands) expect(command.words.length).toBeGreaterThan(0);
      }),
      { numRuns: 2000 },
    );
  });

  it('quotes protect operators: a quoted argument stays one word of one command', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'ab ;&|()<>$#\n'.split('')), maxLength: 20 }), (inner) => {
        const [command, ...rest] = splitCommands(`echo '${inner}'`);
        expect(rest).toEqual([]);
        expect(command.words).toEqual(['echo', inner]);
      }),
    );
  });
});
