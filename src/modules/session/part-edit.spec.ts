import { DomainError } from '../../core/errors/domain-error';
import { applyClientEdit } from './part-edit';
import type { PartInfo } from './session.types';

const ids = { id: 'prt_1', messageID: 'msg_1', sessionID: 'ses_1' };
const text = { ...ids, type: 'text', text: 'hello', time: { start: 1, end: 2 } } as PartInfo;
const stepFinish = {
  ...ids,
  type: 'step-finish',
  reason: 'stop',
  snapshot: 'a'.repeat(40),
  cost: 0.01,
  tokens: { input: 1, output: 2, reasoning: 0, cache: { read: 0, write: 0 } },
} as PartInfo;
const patch = { ...ids, type: 'patch', hash: 'b'.repeat(40), files: ['/w/a.txt'] } as PartInfo;

function refusal(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return error as DomainError;
  }
  throw new Error('expected a refusal');
}

describe('applyClientEdit (PATCH part)', () => {
  it('lets a client change the text and flags of a text part, keeping what it left out', () => {
    expect(applyClientEdit(text, { ...ids, type: 'text', text: 'edited', ignored: true })).toEqual({
      ...text,
      text: 'edited',
      ignored: true,
    });
    expect(applyClientEdit(text, { ...text, synthetic: true })).toEqual({ ...text, synthetic: true });
  });

  it('accepts a server-owned field echoed back unchanged', () => {
    expect(applyClientEdit(stepFinish, { ...stepFinish })).toEqual(stepFinish);
  });

  it.each([
    ['step-finish snapshot', stepFinish, { snapshot: '--output=/tmp/pwned' }],
    ['step-finish tokens', stepFinish, { tokens: { input: 0, output: 0, reasoning: 0, cache: { read: 0, write: 0 } } }],
    ['step-finish cost', stepFinish, { cost: 0 }],
    ['patch hash', patch, { hash: '-c core.pager=touch /tmp/x' }],
    ['patch files', patch, { files: ['../../etc/passwd'] }],
    ['text time', text, { time: { start: 0 } }],
    ['text metadata', text, { metadata: { injected: true } }],
  ])('refuses a changed server-owned field: %s', (_name, part, change) => {
    const error = refusal(() => applyClientEdit(part, { ...part, ...change }));
    expect(error.status).toBe(400);
    expect(error.code).toBe('part_field_read_only');
    expect(error.details.field).toBe(Object.keys(change)[0]);
  });

  it('refuses editable fields of the wrong type', () => {
    expect(refusal(() => applyClientEdit(text, { text: 42 })).code).toBe('part_field_invalid');
    expect(refusal(() => applyClientEdit(text, { ignored: 'yes' })).code).toBe('part_field_invalid');
  });
});
