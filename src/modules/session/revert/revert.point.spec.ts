import type { MessageWithParts, PartInfo } from '../session.types';
import { findRevertPoint, revertedContent } from './revert.point';

// A small transcript with readable ids; ids order like real ones (string order = time order).
function message(id: string, role: 'user' | 'assistant', parts: Partial<PartInfo>[]): MessageWithParts {
  return {
    info: { id, sessionID: 's', role } as MessageWithParts['info'],
    parts: parts.map((p, i) => ({ id: `${id}_p${i}`, sessionID: 's', messageID: id, ...p }) as PartInfo),
  };
}

const transcript = [
  message('m1', 'user', [{ type: 'text', text: 'do it' }]),
  message('m2', 'assistant', [
    { type: 'step-start' },
    { type: 'tool' },
    { type: 'step-finish' },
    { type: 'patch', hash: 'h1', files: ['/w/a'] },
  ]),
  message('m3', 'assistant', [
    { type: 'step-start' },
    { type: 'text', text: 'done' },
    { type: 'tool' },
    { type: 'patch', hash: 'h2', files: ['/w/b'] },
  ]),
  message('m4', 'user', [{ type: 'text', text: 'more' }]),
  message('m5', 'assistant', [{ type: 'step-start' }, { type: 'patch', hash: 'h3', files: ['/w/a'] }]),
] as MessageWithParts[];

describe('findRevertPoint', () => {
  it('lands on the user message when the target answer had said nothing yet, and collects every later patch', () => {
    expect(findRevertPoint(transcript, { messageID: 'm2' })).toEqual({
      messageID: 'm1',
      patches: [
        { hash: 'h1', files: ['/w/a'] },
        { hash: 'h2', files: ['/w/b'] },
        { hash: 'h3', files: ['/w/a'] },
      ],
    });
  });

  it('keeps the part when text or a tool came before it in its message', () => {
    expect(findRevertPoint(transcript, { messageID: 'm3', partID: 'm3_p2' })).toEqual({
      messageID: 'm3',
      partID: 'm3_p2',
      patches: [
        { hash: 'h2', files: ['/w/b'] },
        { hash: 'h3', files: ['/w/a'] },
      ],
    });
    // Only a step-start before the part: the whole turn goes.
    expect(findRevertPoint(transcript, { messageID: 'm3', partID: 'm3_p1' })?.messageID).toBe('m1');
  });

  it('reverting a user message reverts its own turn onwards; unknown targets give undefined', () => {
    expect(findRevertPoint(transcript, { messageID: 'm4' })).toEqual({
      messageID: 'm4',
      patches: [{ hash: 'h3', files: ['/w/a'] }],
    });
    expect(findRevertPoint(transcript, { messageID: 'nope' })).toBeUndefined();
    expect(findRevertPoint(transcript, { messageID: 'm3', partID: 'm2_p1' })).toBeUndefined();
  });
});

describe('revertedContent', () => {
  it('without a part: the point message and everything after', () => {
    expect(revertedContent(transcript, { messageID: 'm4' })).toEqual({ messages: ['m4', 'm5'], parts: [] });
  });

  it('with a part: that part and the rest of its message, then later messages', () => {
    const out = revertedContent(transcript, { messageID: 'm3', partID: 'm3_p2' });
    expect(out.messages).toEqual(['m4', 'm5']);
    expect(out.parts.map((p) => p.id)).toEqual(['m3_p2', 'm3_p3']);
  });
});
