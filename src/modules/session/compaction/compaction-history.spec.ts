import type { MessageWithParts, PartInfo } from '../session.types';
import {
  HEAD_TOOL_OUTPUT_CHARS,
  pendingCompaction,
  previousSummaryText,
  stripForSummary,
  withoutCompactionPairs,
} from './compaction-history';

/** A part before it gets its ids (Omit distributed over the union, so each part type keeps its fields). */
type NewPart = PartInfo extends infer P
  ? P extends PartInfo
    ? Omit<P, 'id' | 'sessionID' | 'messageID'>
    : never
  : never;

let seq = 0;
const next = (prefix: string) => `${prefix}_${String(++seq).padStart(6, '0')}`;
const REF = { providerID: 'p', modelID: 'm' };

function user(parts: NewPart[] = [{ type: 'text', text: 'hi' }]): MessageWithParts {
  const id = next('msg');
  return {
    info: { id, sessionID: 's', role: 'user', time: { created: 1 }, agent: 'build', model: REF },
    parts: parts.map((p) => ({ ...p, id: next('prt'), sessionID: 's', messageID: id }) as PartInfo),
  };
}
function assistant(parentID: string, extra: Record<string, unknown> = {}, parts: NewPart[] = []): MessageWithParts {
  const id = next('msg');
  return {
    info: {
      id,
      sessionID: 's',
      role: 'assistant',
      parentID,
      time: { created: 1 },
      ...REF,
      mode: 'build',
      agent: 'build',
      path: { cwd: '/', root: '/' },
      cost: 0,
      tokens: { input: 0, output: 0, reasoning: 0, cache: { read: 0, write: 0 } },
      finish: 'stop',
      ...extra,
    },
    parts: parts.map((p) => ({ ...p, id: next('prt'), sessionID: 's', messageID: id }) as PartInfo),
  };
}
const request = () => user([{ type: 'compaction', auto: true }]);

describe('compaction history', () => {
  it('finds the newest unanswered compaction request', () => {
    const u = user();
    const a = assistant(u.info.id);
    expect(pendingCompaction([u, a])).toBeUndefined();
    const c = request();
    expect(pendingCompaction([u, a, c])).toBe(c);
    const s = assistant(c.info.id, { summary: true });
    expect(pendingCompaction([u, a, c, s])).toBeUndefined();
    // A partial summary (killed worker) still answers the request: the job, not the loop, redoes it.
    expect(pendingCompaction([u, a, c, assistant(c.info.id, { summary: true, finish: undefined })])).toBeUndefined();
  });

  it('reads the previous summary and drops earlier compaction pairs from what is summarised', () => {
    const u = user();
    const c = request();
    const s = assistant(c.info.id, { summary: true }, [{ type: 'text', text: '## Goal\n- ship' }]);
    const u2 = user();
    const pending = request();
    const history = [u, c, s, u2, pending];
    expect(previousSummaryText(history)).toBe('## Goal\n- ship');
    expect(withoutCompactionPairs(history, pending.info.id)).toEqual([u, u2, pending]);
    expect(
      previousSummaryText([
        u,
        c,
        assistant(c.info.id, { summary: true, error: { name: 'UnknownError', data: {} } }, [
          { type: 'text', text: 'x' },
        ]),
      ]),
    ).toBeUndefined();
  });

  it('cuts tool output to 2000 characters and replaces media with a note', () => {
    const u = user([
      { type: 'text', text: 'look' },
      { type: 'file', mime: 'image/png', url: 'data:image/png;base64,AAAA', filename: 'shot.png' },
    ]);
    const long = 'y'.repeat(HEAD_TOOL_OUTPUT_CHARS + 500);
    const a = assistant(u.info.id, {}, [
      {
        type: 'tool',
        callID: 'c1',
        tool: 'read',
        state: {
          status: 'completed',
          input: {},
          output: long,
          title: '',
          metadata: {},
          time: { start: 1, end: 2 },
          attachments: [
            { id: 'prt_x', sessionID: 's', messageID: 'm', type: 'file', mime: 'image/png', url: 'data:,' },
          ],
        },
      },
    ]);
    const [su, sa] = stripForSummary([u, a]);
    expect(su.parts[1]).toMatchObject({ type: 'text', text: '[Attached image/png: shot.png]' });
    const tool = sa.parts[0] as Extract<PartInfo, { type: 'tool' }>;
    if (tool.state.status !== 'completed') throw new Error('expected a completed tool');
    expect(tool.state.output.startsWith('y'.repeat(HEAD_TOOL_OUTPUT_CHARS))).toBe(true);
    expect(tool.state.output.length).toBeLessThan(long.length);
    expect(tool.state.attachments).toBeUndefined();
    // The stored messages are untouched.
    expect((a.parts[0] as { state: { output: string } }).state.output).toBe(long);
  });
});
