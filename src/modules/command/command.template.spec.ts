import { templateHints } from './command.builtins';
import { applyArguments, expandTemplate, fileReferences, shellSpans, splitArguments } from './command.template';

describe('command templates', () => {
  it('splits arguments on spaces, keeping quoted groups', () => {
    expect(splitArguments(`a "b c" 'd e' f`)).toEqual(['a', 'b c', 'd e', 'f']);
    expect(splitArguments('   ')).toEqual([]);
  });

  it('fills $1..$n, the highest taking the rest, and blanks missing ones', () => {
    expect(applyArguments('x=$1 y=$2', 'a b c d')).toBe('x=a y=b c d');
    expect(applyArguments('x=$1 y=$2', 'a')).toBe('x=a y=');
    expect(applyArguments('$2 before $1', 'a b')).toBe('b before a');
  });

  it('puts the raw arguments in $ARGUMENTS, or appends them when there is no placeholder', () => {
    expect(applyArguments('run $ARGUMENTS now', 'a  "b"')).toBe('run a  "b" now');
    expect(applyArguments('no placeholder', 'tail text')).toBe('no placeholder\n\ntail text');
    expect(applyArguments('no placeholder', '')).toBe('no placeholder');
  });

  it('finds shell spans and file references, not e-mail addresses', () => {
    expect(shellSpans('a !`ls -la` b !`git status`')).toEqual([
      { match: '!`ls -la`', command: 'ls -la' },
      { match: '!`git status`', command: 'git status' },
    ]);
    expect(fileReferences('see @src/a.ts, mail me@x.org and @./b.md.')).toEqual([
      { path: 'src/a.ts', start: 4, end: 13 },
      { path: './b.md', start: 33, end: 40 },
    ]);
  });

  it('lists the placeholders as hints', () => {
    expect(templateHints('$2 $1 $ARGUMENTS $1')).toEqual(['$1', '$2', '$ARGUMENTS']);
    expect(templateHints('none')).toEqual([]);
  });

  describe('arguments never reach a shell span (attacker side)', () => {
    const run = (seen: string[]) => async (commands: string[]) => {
      seen.push(...commands);
      return commands.map((c) => `<ran ${c}>`);
    };

    it('runs spans as written: $ARGUMENTS and $1 inside a span are not substituted', async () => {
      const seen: string[] = [];
      const text = await expandTemplate(
        'Log: !`git log $1` for $ARGUMENTS; !`echo $ARGUMENTS`',
        '`; rm -rf / #',
        run(seen),
      );
      expect(seen).toEqual(['git log $1', 'echo $ARGUMENTS']);
      expect(text).toBe('Log: <ran git log $1> for `; rm -rf / #; <ran echo $ARGUMENTS>');
    });

    it('an argument that looks like a span stays text and never runs', async () => {
      const seen: string[] = [];
      const text = await expandTemplate('Review $ARGUMENTS', '!`cat /etc/passwd`', run(seen));
      expect(seen).toEqual([]);
      expect(text).toBe('Review !`cat /etc/passwd`');
    });

    it('a forged span marker in the arguments is inert', async () => {
      const text = await expandTemplate('a !`date` b $1', '\u00000\u0000', run([]));
      expect(text).toBe('a <ran date> b 0');
    });

    it('without a runner (MCP prompts) spans stay text', async () => {
      expect(await expandTemplate('x !`ls` $1', 'y')).toBe('x !`ls` y');
    });
  });
});
