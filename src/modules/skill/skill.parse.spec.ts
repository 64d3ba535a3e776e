import { isSkillName, parseSkillFile } from './skill.parse';

describe('parseSkillFile', () => {
  it('reads name and description from the front matter and returns the body', () => {
    const parsed = parseSkillFile('---\nname: unit-tests\ndescription: "How we test"\n---\n# Body\ntext\n');
    expect(parsed).toEqual({ name: 'unit-tests', description: 'How we test', body: '# Body\ntext\n' });
  });

  it('handles a BOM and CRLF line endings', () => {
    expect(parseSkillFile('\uFEFF---\r\nname: a\r\ndescription: b\r\n---\r\nx')).toEqual({ name: 'a', description: 'b', body: 'x' });
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
