import { parseCatFileBatch, parseRawWithNumstat, splitNul, toExcludePattern } from './git-output.parser';

describe('git output parsers', () => {
  it('splits NUL-terminated lists, keeping newlines and tabs inside names', () => {
    expect(splitNul(Buffer.from('a\0b c\0line\nbreak\0'))).toEqual(['a', 'b c', 'line\nbreak']);
    expect(splitNul('')).toEqual([]);
  });

  it('joins raw and numstat records by path', () => {
    const zero = '0'.repeat(40);
    const a = 'a'.repeat(40);
    const b = 'b'.repeat(40);
    const output = Buffer.from(
      [
        `:100644 100644 ${a} ${b} M`,
        'src/x.ts',
        `:000000 100644 ${zero} ${b} A`,
        'tab\tname',
        `:100644 000000 ${a} ${zero} D`,
        'img.png',
        '3\t1\tsrc/x.ts',
        '2\t0\ttab\tname',
        '-\t-\timg.png',
        '',
      ].join('\0'),
    );
    expect(parseRawWithNumstat(output)).toEqual([
      {
        path: 'src/x.ts',
        status: 'M',
        oldMode: '100644',
        newMode: '100644',
        oldSha: a,
        newSha: b,
        additions: 3,
        deletions: 1,
        binary: false,
      },
      {
        path: 'tab\tname',
        status: 'A',
        oldMode: '000000',
        newMode: '100644',
        oldSha: zero,
        newSha: b,
        additions: 2,
        deletions: 0,
        binary: false,
      },
      {
        path: 'img.png',
        status: 'D',
        oldMode: '100644',
        newMode: '000000',
        oldSha: a,
        newSha: zero,
        additions: 0,
        deletions: 0,
        binary: true,
      },
    ]);
  });

  it('reads cat-file --batch bodies that contain newlines and NULs', () => {
    const body = Buffer.from('x\n\0y\n');
    const output = Buffer.concat([
      Buffer.from(`aaa blob ${body.length}\n`),
      body,
      Buffer.from('\nbbb missing\nccc blob 0\n\n'),
    ]);
    const objects = parseCatFileBatch(output);
    expect(objects.get('aaa')?.equals(body)).toBe(true);
    expect(objects.get('bbb')).toBeNull();
    expect(objects.get('ccc')?.length).toBe(0);
  });

  it('escapes gitignore metacharacters into an anchored literal pattern', () => {
    expect(toExcludePattern('big [1]*.bin')).toBe('/big\\ \\[1\\]\\*.bin');
    expect(toExcludePattern('#notes')).toBe('/\\#notes');
    expect(toExcludePattern('odd\nname')).toBe('/odd?name');
  });
});
