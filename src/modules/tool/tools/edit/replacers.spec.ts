import { MULTIPLE_MATCHES_MESSAGE, NOT_FOUND_MESSAGE, applyEdits, replace } from './edit-apply';
import {
  REPLACERS,
  blockAnchorReplacer,
  contextAwareReplacer,
  escapeNormalizedReplacer,
  exactReplacer,
  indentationFlexibleReplacer,
  levenshtein,
  lineTrimmedReplacer,
  multiOccurrenceReplacer,
  trimmedBoundaryReplacer,
  whitespaceNormalizedReplacer,
  type Replacer,
} from './replacers';

const yields = (r: Replacer, content: string, find: string) => [...r(content, find)];

describe('edit replacers', () => {
  it('are tried in the documented order', () => {
    expect(REPLACERS).toEqual([
      exactReplacer,
      lineTrimmedReplacer,
      blockAnchorReplacer,
      whitespaceNormalizedReplacer,
      indentationFlexibleReplacer,
      escapeNormalizedReplacer,
      trimmedBoundaryReplacer,
      contextAwareReplacer,
      multiOccurrenceReplacer,
    ]);
  });

  it('exact yields the search text itself', () => {
    expect(yields(exactReplacer, 'abc', 'b')).toEqual(['b']);
  });

  it('line-trimmed finds lines whose only difference is surrounding whitespace', () => {
    const content = 'start\n    foo();\n\tbar();  \nend';
    expect(yields(lineTrimmedReplacer, content, 'foo();\nbar();\n')).toEqual(['    foo();\n\tbar();  ']);
  });

  it('block-anchor accepts a lone candidate whatever its middle, and the best of several above 0.3', () => {
    const content = 'function a() {\n  x = 1;\n  y = 2;\n}\n';
    expect(yields(blockAnchorReplacer, content, 'function a() {\n  totally different\n}')).toEqual([
      'function a() {\n  x = 1;\n  y = 2;\n}',
    ]);
    const two = 'if (a) {\n  call(1);\n}\nif (a) {\n  somethingElse(99);\n}';
    expect(yields(blockAnchorReplacer, two, 'if (a) {\n  somethingElse(98);\n}')).toEqual([
      'if (a) {\n  somethingElse(99);\n}',
    ]);
    expect(yields(blockAnchorReplacer, two, 'if (a) {\n  zzzzzzzzzzzzzzzzzzzzzzzz;\n}')).toEqual([]);
    expect(yields(blockAnchorReplacer, content, 'function a() {\n}')).toEqual([]);
  });

  it('whitespace-normalized treats runs of whitespace as one space', () => {
    expect(yields(whitespaceNormalizedReplacer, 'let  x =   1;\nnext', 'let x = 1;')).toEqual(['let  x =   1;']);
    expect(yields(whitespaceNormalizedReplacer, 'call(a,   b) + 1', 'a, b')).toEqual(['a,   b']);
    expect(yields(whitespaceNormalizedReplacer, 'a  b\nc   d\ne', 'a b\nc d')).toEqual(['a  b\nc   d']);
  });

  it('indentation-flexible matches a block shifted as a whole', () => {
    const content = 'class A {\n    run() {\n        go();\n    }\n}';
    expect(yields(indentationFlexibleReplacer, content, 'run() {\n    go();\n}')).toEqual([
      '    run() {\n        go();\n    }',
    ]);
  });

  it('escape-normalized undoes escape sequences the model added', () => {
    expect(yields(escapeNormalizedReplacer, 'say("hi")\nnext', 'say(\\"hi\\")')).toContain('say("hi")');
    expect(yields(escapeNormalizedReplacer, 'a\nb', 'a\\nb')).toContain('a\nb');
    expect(yields(escapeNormalizedReplacer, 'plain', 'plain')).toEqual([]);
  });

  it('trimmed-boundary ignores blank lines and spaces around the snippet', () => {
    expect(yields(trimmedBoundaryReplacer, 'x\nfoo bar\ny', '\n\n  foo bar  \n')).toContain('foo bar');
  });

  it('context-aware uses first/last lines and needs half of the middle to agree', () => {
    const content = 'a {\n  one\n  two\n  three\n}';
    expect(yields(contextAwareReplacer, content, 'a {\n  one\n  TWO\n  three\n}')).toEqual([content]);
    expect(yields(contextAwareReplacer, content, 'a {\n  ONE\n  TWO\n  three\n}')).toEqual([]);
  });

  it('multi-occurrence yields text that occurs', () => {
    expect(yields(multiOccurrenceReplacer, 'x x x', 'x')).toEqual(['x']);
    expect(yields(multiOccurrenceReplacer, 'x', 'y')).toEqual([]);
  });

  it('levenshtein distance', () => {
    expect(levenshtein('kitten', 'sitting')).toBe(3);
    expect(levenshtein('', 'abc')).toBe(3);
  });
});

describe('replace', () => {
  it('replaces a unique exact match', () => {
    expect(replace('a b c', 'b', 'B')).toBe('a B c');
  });

  it('falls through to a forgiving strategy when the exact text is absent', () => {
    expect(replace('  foo();\n  bar();\n', 'foo();\nbar();', '  baz();')).toBe('  baz();\n');
  });

  it('reports missing text, ambiguous text and no-op edits', () => {
    expect(() => replace('abc', 'zzz', 'y')).toThrow(NOT_FOUND_MESSAGE);
    expect(NOT_FOUND_MESSAGE.startsWith('Could not find oldString in the file')).toBe(true);
    expect(() => replace('x x', 'x', 'y')).toThrow(MULTIPLE_MATCHES_MESSAGE);
    expect(MULTIPLE_MATCHES_MESSAGE.startsWith('Found multiple matches for oldString')).toBe(true);
    expect(() => replace('x', 'x', 'x')).toThrow(/identical/);
  });

  it('replaceAll changes every occurrence', () => {
    expect(replace('x x x', 'x', 'y', true)).toBe('y y y');
  });
});

describe('applyEdits', () => {
  it('keeps CRLF line endings and the BOM', () => {
    const out = applyEdits('\uFEFFone\r\ntwo\r\nthree\r\n', [
      { oldString: 'two\nthree', newString: 'TWO\nTHREE\nFOUR' },
    ]);
    expect(out).toBe('\uFEFFone\r\nTWO\r\nTHREE\r\nFOUR\r\n');
  });

  it('creates content from an empty oldString, then edits it', () => {
    expect(
      applyEdits(undefined, [
        { oldString: '', newString: 'a\nb\n' },
        { oldString: 'b', newString: 'c' },
      ]),
    ).toBe('a\nc\n');
  });

  it('names the failing edit when there are several', () => {
    expect(() =>
      applyEdits('a', [
        { oldString: 'a', newString: 'b' },
        { oldString: 'a', newString: 'c' },
      ]),
    ).toThrow(/^Edit 2 of 2 failed: Could not find/);
  });
});
