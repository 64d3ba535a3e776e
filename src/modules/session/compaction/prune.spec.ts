import type { MessagePart, MessageWithParts } from './compaction.types';
import { pruneEnabled, selectPrune } from './prune';

let seq = 0;
const id = (prefix: string) => `${prefix}_${String(++seq).padStart(6, '0')}`;
const user = (): MessageWithParts => ({
  info: { id: id('msg'), role: 'user' },
  parts: [{ id: id('prt'), type: 'text', text: 'do it' }],
});
const assistant = (parts: MessagePart[], extra: Record<string, unknown> = {}): MessageWithParts => ({
  info: { id: id('msg'), role: 'assistant', parentID: 'msg_x', finish: 'tool-calls', ...extra },
  parts,
});
// A completed tool part whose output estimates to exactly `tokens`.
const tool = (tokens: number, options: { tool?: string; compacted?: number } = {}): MessagePart => ({
  id: id('prt'),
  type: 'tool',
  tool: options.tool ?? 'read',
  state: {
    status: 'completed',
    output: 'x'.repeat(tokens * 4),
    time: { start: 1, end: 2, ...(options.compacted ? { compacted: options.compacted } : {}) },
  },
});

/** Two recent user turns with very large outputs that must always survive. */
function recentTurns(): MessageWithParts[] {
  return [user(), assistant([tool(90_000)]), user(), assistant([tool(90_000)])];
}

describe('selectPrune', () => {
  it('marks outputs beyond the newest 40k tokens once the total passes 20k', () => {
    const old = Array.from({ length: 10 }, () => tool(10_000));
    const history = [user(), assistant(old.slice(0, 5)), user(), assistant(old.slice(5)), ...recentTurns()];
    const selection = selectPrune(history);
    // Newest-first: four outputs fill the protected 40k; the remaining six (oldest) are cleared.
    expect(selection.partIds).toEqual([old[5], old[4], old[3], old[2], old[1], old[0]].map((part) => part.id));
    expect(selection).toMatchObject({ walkedTokens: 100_000, prunedTokens: 60_000 });
  });

  it('does nothing when the prunable total does not exceed 20k', () => {
    const history = [
      user(),
      assistant([tool(10_000), tool(10_000), tool(10_000), tool(10_000), tool(10_000)]),
      ...recentTurns(),
    ];
    expect(selectPrune(history)).toEqual({ partIds: [], walkedTokens: 50_000, prunedTokens: 10_000 });
    const exactlyMinimum = [user(), assistant([tool(20_000), tool(40_000)]), ...recentTurns()];
    expect(selectPrune(exactlyMinimum).partIds).toEqual([]);
    const justOver = [user(), assistant([tool(20_001), tool(40_000)]), ...recentTurns()];
    expect(selectPrune(justOver).partIds).toHaveLength(1);
  });

  it('never touches the two most recent user turns', () => {
    const history = [user(), assistant([tool(50_000), tool(50_000)]), user(), assistant([tool(50_000), tool(50_000)])];
    const selection = selectPrune(history);
    expect(selection.partIds).toEqual([]);
    expect(selection.walkedTokens).toBe(0);
  });

  it('stops at a compaction summary', () => {
    const beforeSummary = tool(100_000);
    const afterSummary = [tool(30_000), tool(30_000)];
    const history = [
      user(),
      assistant([beforeSummary]),
      user(),
      assistant([text()], { summary: true }),
      user(),
      assistant(afterSummary),
      ...recentTurns(),
    ];
    expect(selectPrune(history).partIds).toEqual([afterSummary[0].id]);
  });

  it('stops at output an earlier prune already cleared', () => {
    const cleared = tool(10_000, { compacted: 123 });
    const older = tool(100_000);
    const newer = [tool(30_000), tool(30_000)];
    const history = [user(), assistant([older, cleared]), user(), assistant(newer), ...recentTurns()];
    expect(selectPrune(history).partIds).toEqual([newer[0].id]);
  });

  it('skips the skill tool and unfinished or failed calls', () => {
    const skill = tool(80_000, { tool: 'skill' });
    const failed: MessagePart = {
      id: id('prt'),
      type: 'tool',
      tool: 'bash',
      state: { status: 'error', error: 'x'.repeat(400_000) },
    };
    const running: MessagePart = { id: id('prt'), type: 'tool', tool: 'bash', state: { status: 'running', input: {} } };
    const a = tool(30_000);
    const b = tool(30_000);
    const history = [user(), assistant([a, skill, failed, running, b]), ...recentTurns()];
    expect(selectPrune(history)).toEqual({ partIds: [a.id], walkedTokens: 60_000, prunedTokens: 30_000 });
  });

  it('is off unless compaction.prune is set', () => {
    expect([
      pruneEnabled(undefined),
      pruneEnabled({}),
      pruneEnabled({ prune: false }),
      pruneEnabled({ prune: true }),
    ]).toEqual([false, false, false, true]);
  });

  it('accepts custom thresholds', () => {
    const parts = [tool(100), tool(100), tool(100)];
    const history = [user(), assistant(parts), ...recentTurns()];
    expect(selectPrune(history, { protect: 150, minimum: 50 }).partIds).toEqual([parts[1].id, parts[0].id]);
  });
});

function text(): MessagePart {
  return { id: id('prt'), type: 'text', text: '## Goal' };
}
