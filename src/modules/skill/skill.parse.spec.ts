import { isSkillName, parseSkillFile } from './skill.parse';

describe('parseSkillFile', () => {
  it('reads name and description from the front matter and returns the body', () => {
    const parsed = parseSkillFile('---\nname: unit-tests\ndescription: "How we test"\n---\n# Body\ntext\n');
    expect(parsed).toEqual({ name: 'unit-tests', description: 'How we test', body: '# Body\ntext\n' });
  });

  it('handles a BOM and CRLF line endings', () => {
    expect(parseSkillFile('\uFEFF---\r\nname: a\r\ndescription: b\r\n---\r\nx')).toEqual({
      name: 'a',
      description: 'b',
      body: 'x',
    });
  });

  it('reads multi-line YAML values (folded and literal blocks)', () => {
    const folded = parseSkillFile(
      '---\nname: pdf\ndescription: >\n  Fill PDF forms\n  and merge files.\nlicense: MIT\n---\nbody',
    );
    expect(folded).toEqual({ name: 'pdf', description: 'Fill PDF forms and merge files.', body: 'body' });
    const literal = parseSkillFile('---\nname: notes\ndescription: |\n  Line one\n  Line two\n---\n');
    expect(literal.description).toBe('Line one\nLine two');
  });

  it('still reads a header that is not valid YAML line by line', () => {
    expect(parseSkillFile('---\nname: triage\ndescription: Use when: the build fails\n---\nx')).toEqual({
      name: 'triage',
      description: 'Use when: the build fails',
      body: 'x',
    });
  });

  it('treats a file without front matter as all body', () => {
    expect(parseSkillFile('just text')).toEqual({ body: 'just text' });
  });
});

describe('isSkillName', () => {
  it('accepts lowercase hyphenated names only', () => {
    expect(isSkillName('unit-tests')).toBe(true);
    expect(isSkillName('Unit')).toBe(false);
    expect(isSkillName('a--b')).toBe(false);
    expect(isSkillName('../x')).toBe(false);
    expect(isSkillName('a'.repeat(65))).toBe(false);
  });
});
