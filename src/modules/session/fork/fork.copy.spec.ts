import type { MessageWithParts } from '../session.types';
import { copyTranscript, forkTitleBase } from './fork.copy';

const source: MessageWithParts[] = [
  {
    info: { id: 'msg_a', sessionID: 'old', role: 'user' } as MessageWithParts['info'],
    parts: [{ id: 'prt_1', sessionID: 'old', messageID: 'msg_a', type: 'text', text: 'hi' }],
  },
  {
    info: { id: 'msg_b', sessionID: 'old', role: 'assistant', parentID: 'msg_a' } as MessageWithParts['info'],
    parts: [{ id: 'prt_2', sessionID: 'old', messageID: 'msg_b', type: 'text', text: 'hello' }],
  },
  {
    info: { id: 'msg_c', sessionID: 'old', role: 'user' } as MessageWithParts['info'],
    parts: [
      { id: 'prt_3', sessionID: 'old', messageID: 'msg_c', type: 'compaction', auto: true, tail_start_id: 'msg_b' },
    ],
  },
  { info: { id: 'msg_d', sessionID: 'old', role: 'user' } as MessageWithParts['info'], parts: [] },
];

describe('copyTranscript', () => {
  it('copies the prefix before the cut with fresh ascending ids and remapped references', () => {
    const copy = copyTranscript(source, 'new', 'msg_d');
    expect(copy).toHaveLength(3);
    const ids = copy.map((m) => m.info.id);
    expect([...ids].sort()).toEqual(ids);
    expect(ids.every((id) => id.startsWith('msg_') && !source.some((m) => m.info.id === id))).toBe(true);
    expect((copy[1].info as { parentID: string }).parentID).toBe(ids[0]);
    expect(copy[2].parts[0]).toMatchObject({
      type: 'compaction',
      tail_start_id: ids[1],
      sessionID: 'new',
      messageID: ids[2],
    });
    expect(copy[1].parts[0]).toMatchObject({ type: 'text', text: 'hello', sessionID: 'new', messageID: ids[1] });
    expect(copy[1].parts[0].id).not.toBe('prt_2');
    // The source is not mutated.
    expect(source[1].info.sessionID).toBe('old');
  });

  it('copies everything without a cut', () => {
    expect(copyTranscript(source, 'new')).toHaveLength(4);
  });
});

describe('forkTitleBase', () => {
  it('strips one fork suffix', () => {
    expect(forkTitleBase('Essay (fork #3)')).toBe('Essay');
    expect(forkTitleBase('Essay')).toBe('Essay');
  });
});
