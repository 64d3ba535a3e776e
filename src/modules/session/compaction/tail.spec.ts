import type { MessageWithParts } from './compaction.types';
import { estimateTokens } from './estimate';
import { selectTail, tailBudget } from './tail';

let seq = 0;
const id = () => `msg_${String(++seq).padStart(6, '0')}`;
// Sizes are carried on the message so the budget arithmetic in each case is explicit.
const user = (size: number): MessageWithParts => ({ info: { id: id(), role: 'user', size }, parts: [] });
const reply = (size: number): MessageWithParts => ({ info: { id: id(), role: 'assistant', size }, parts: [] });
const request = (): MessageWithParts => ({
  info: { id: id(), role: 'user', size: 0 },
  parts: [{ id: 'prt_c', type: 'compaction', auto: true }],
});
const summary = (size: number): MessageWithParts => ({
  info: { id: id(), role: 'assistant', summary: true, finish: 'stop', size },
  parts: [],
});
const estimate = (message: MessageWithParts) => message.info.size as number;
const ids = (messages: MessageWithParts[]) => messages.map((message) => message.info.id);

describe('tailBudget', () => {
  it.each([
    [100_000, undefined, 8_000],
    [20_000, undefined, 5_000],
    [4_000, undefined, 2_000],
    [0, undefined, 2_000],
    [100_000, 500, 500],
  ])('usable %d, preserve %s → %d', (usable, preserve, expected) => {
    expect(tailBudget(usable, preserve)).toBe(expected);
  });
});

describe('selectTail', () => {
  it('keeps the last two user turns verbatim when they fit', () => {
    const history = [user(100), reply(500), user(100), reply(500), user(100), reply(500), user(100), reply(500)];
    const selection = selectTail(history, { usable: 100_000, estimate });
    expect(selection.tailStartId).toBe(history[4].info.id);
    expect(ids(selection.head)).toEqual(ids(history.slice(0, 4)));
    expect(ids(selection.tail)).toEqual(ids(history.slice(4)));
    expect(selection.budget).toBe(8_000);
  });

  it('honours tail_turns', () => {
    const history = [user(10), reply(10), user(10), reply(10), user(10), reply(10)];
    expect(selectTail(history, { usable: 100_000, tailTurns: 1, estimate }).tailStartId).toBe(history[4].info.id);
    const none = selectTail(history, { usable: 100_000, tailTurns: 0, estimate });
    expect(none.tailStartId).toBeUndefined();
    expect(none.tail).toEqual([]);
  });

  it('splits the oldest turn that does not fit, keeping its newest messages', () => {
    const history = [user(100), reply(100), user(100), reply(500), reply(300), user(100), reply(500)];
    // Budget 1000: last turn takes 600; of the previous turn only the 300-token reply still fits.
    const selection = selectTail(history, { usable: 100_000, preserveRecentTokens: 1_000, estimate });
    expect(selection.tailStartId).toBe(history[4].info.id);
    expect(ids(selection.head)).toEqual(ids(history.slice(0, 4)));
  });

  it('summarises everything when even the last turn cannot be kept', () => {
    const history = [user(100), reply(100), user(100), reply(5_000)];
    const selection = selectTail(history, { usable: 100_000, preserveRecentTokens: 1_000, estimate });
    expect(selection.tailStartId).toBeUndefined();
    expect(selection.tail).toEqual([]);
    expect(selection.head).toHaveLength(4);
  });

  it('summarises everything when the tail would swallow the whole history', () => {
    const history = [user(100), reply(100), user(100), reply(100)];
    const selection = selectTail(history, { usable: 100_000, estimate });
    expect(selection.tailStartId).toBeUndefined();
    expect(selection.head).toEqual(history);
    expect(selection.tail).toEqual([]);
  });

  it('ignores the pending request and previous compaction pairs when counting turns', () => {
    const previousRequest = request();
    const history = [previousRequest, summary(800), user(100), reply(100), user(100), reply(100), request()];
    const selection = selectTail(history, { usable: 100_000, estimate });
    expect(selection.tailStartId).toBe(history[2].info.id);
    expect(ids(selection.head)).toEqual(ids(history.slice(0, 2)));
    expect(ids(selection.tail)).toEqual(ids(history.slice(2, 6)));
  });

  it('measures messages by their JSON size by default', () => {
    const big = (role: 'user' | 'assistant', chars: number): MessageWithParts => ({
      info: { id: id(), role },
      parts: [{ id: 'prt_t', type: 'text', text: 'y'.repeat(chars) }],
    });
    const history = [
      big('user', 40),
      big('assistant', 40),
      big('user', 40),
      big('assistant', 12_000),
      big('user', 40),
      big('assistant', 4_000),
    ];
    const lastTurn = estimateTokens(history[4]) + estimateTokens(history[5]);
    const selection = selectTail(history, { usable: 100_000, preserveRecentTokens: lastTurn + 10 });
    expect(selection.tailStartId).toBe(history[4].info.id);
  });
});
