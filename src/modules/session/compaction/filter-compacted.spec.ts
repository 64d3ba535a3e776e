import type { MessageWithParts } from './compaction.types';
import { filterCompacted } from './filter-compacted';

let seq = 0;
const id = () => `msg_${String(++seq).padStart(6, '0')}`;
const user = (): MessageWithParts => ({ info: { id: id(), role: 'user' }, parts: [] });
const reply = (to: MessageWithParts): MessageWithParts => ({
  info: { id: id(), role: 'assistant', parentID: to.info.id, finish: 'stop' },
  parts: [],
});
const request = (tailStartId?: string): MessageWithParts => ({
  info: { id: id(), role: 'user' },
  parts: [{ id: 'prt_c', type: 'compaction', auto: true, ...(tailStartId ? { tail_start_id: tailStartId } : {}) }],
});
const summary = (of: MessageWithParts, extra: Record<string, unknown> = {}): MessageWithParts => ({
  info: { id: id(), role: 'assistant', parentID: of.info.id, summary: true, finish: 'stop', ...extra },
  parts: [],
});
const names = (all: MessageWithParts[], picked: MessageWithParts[]) => picked.map((message) => all.indexOf(message));

describe('filterCompacted', () => {
  it('returns the history unchanged when nothing was compacted', () => {
    const u = user();
    const history = [u, reply(u)];
    expect(filterCompacted(history)).toBe(history);
  });

  it('starts at the compaction, then the summary, the kept tail and later messages', () => {
    const u1 = user(),
      a1 = reply(u1),
      u2 = user(),
      a2 = reply(u2),
      u3 = user(),
      a3 = reply(u3);
    const c = request(u3.info.id),
      s = summary(c),
      u4 = user(),
      a4 = reply(u4);
    const all = [u1, a1, u2, a2, u3, a3, c, s, u4, a4];
    expect(names(all, filterCompacted(all))).toEqual([6, 7, 4, 5, 8, 9]);
  });

  it('drops everything before a compaction without a tail', () => {
    const u1 = user(),
      a1 = reply(u1),
      c = request(),
      s = summary(c),
      u2 = user();
    const all = [u1, a1, c, s, u2];
    expect(filterCompacted(all)).toEqual([c, s, u2]);
  });

  it('ignores compactions whose summary failed or never finished', () => {
    const u1 = user(),
      a1 = reply(u1),
      c1 = request(),
      s1 = summary(c1);
    const u2 = user(),
      c2 = request(),
      s2failed = summary(c2, { error: { name: 'ContextOverflowError', data: {} } });
    const c3 = request(),
      s3running = summary(c3, { finish: undefined });
    const all = [u1, a1, c1, s1, u2, c2, s2failed, c3, s3running];
    expect(filterCompacted(all)).toEqual([c1, s1, u2, c2, s2failed, c3, s3running]);
    expect(filterCompacted([u1, a1, c2, s2failed])).toEqual([u1, a1, c2, s2failed]);
  });

  it('hides an older compaction pair that falls inside the new tail', () => {
    const u1 = user(),
      a1 = reply(u1),
      u2 = user(),
      a2 = reply(u2);
    const c1 = request(u2.info.id),
      s1 = summary(c1),
      u3 = user(),
      a3 = reply(u3);
    const c2 = request(u2.info.id),
      s2 = summary(c2),
      u4 = user();
    const all = [u1, a1, u2, a2, c1, s1, u3, a3, c2, s2, u4];
    expect(filterCompacted(all)).toEqual([c2, s2, u2, a2, u3, a3, u4]);
  });

  it('keeps a pending compaction request that follows a completed one', () => {
    const u1 = user(),
      c1 = request(),
      s1 = summary(c1),
      u2 = user(),
      a2 = reply(u2),
      pending = request();
    expect(filterCompacted([u1, c1, s1, u2, a2, pending])).toEqual([c1, s1, u2, a2, pending]);
  });
});
