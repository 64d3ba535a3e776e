import { templateHints } from './command.builtins';
import { applyArguments, fileReferences, shellSpans, splitArguments } from './command.template';

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
});
