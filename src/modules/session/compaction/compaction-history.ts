import type { MessageWithParts, PartInfo } from '../session.types';
import {
  compactionPartOf,
  isCompactionRequest,
  isSummaryMessage,
  type MessageWithParts as Loose,
} from './compaction.types';

/** Tool output kept per call when the head is sent to the summariser. */
export const HEAD_TOOL_OUTPUT_CHARS = 2_000;

const loose = (m: MessageWithParts) => m as unknown as Loose;

/** The newest compaction request, when no assistant message answers it yet (the loop still has to run it). */
export function pendingCompaction(history: MessageWithParts[]): MessageWithParts | undefined {
  for (let i = history.length - 1; i >= 0; i--) {
    const message = history[i];
    if (!isCompactionRequest(loose(message))) continue;
    const answered = history.some((m) => m.info.role === 'assistant' && m.info.parentID === message.info.id);
    return answered ? undefined : message;
  }
  return undefined;
}

/** The summary assistant message answering a compaction request, if one was written. */
export function summaryFor(history: MessageWithParts[], requestId: string): MessageWithParts | undefined {
  return history.find((m) => m.info.role === 'assistant' && m.info.parentID === requestId && m.info.summary === true);
}

/** Text of the latest completed summary in a (filtered) history: it becomes `<previous-summary>`. */
export function previousSummaryText(history: MessageWithParts[]): string | undefined {
  for (let i = history.length - 1; i >= 0; i--) {
    const m = history[i];
    if (!isSummaryMessage(loose(m)) || m.info.role !== 'assistant' || !m.info.finish || m.info.error) continue;
    return m.parts.flatMap((p) => (p.type === 'text' && !p.ignored ? [p.text] : [])).join('\n');
  }
  return undefined;
}

/** Messages to split into head and tail: earlier compaction pairs are dropped (their summary is carried separately). */
export function withoutCompactionPairs(history: MessageWithParts[], pendingId: string): MessageWithParts[] {
  return history.filter(
    (m) => m.info.id === pendingId || !(isCompactionRequest(loose(m)) || isSummaryMessage(loose(m))),
  );
}

function cut(text: string): string {
  return text.length > HEAD_TOOL_OUTPUT_CHARS
    ? `${text.slice(0, HEAD_TOOL_OUTPUT_CHARS)}\n[output truncated for the summary]`
    : text;
}

/** The head as the summariser sees it: media replaced by a note, tool outputs cut, no attachments. */
export function stripForSummary(head: MessageWithParts[]): MessageWithParts[] {
  return head.map(({ info, parts }) => ({
    info,
    parts: parts.map((part): PartInfo => {
      if (part.type === 'file' && !(part.mime.startsWith('text/') && part.url.startsWith('data:'))) {
        return {
          id: part.id,
          sessionID: part.sessionID,
          messageID: part.messageID,
          type: 'text',
          text: `[Attached ${part.mime}: ${part.filename ?? 'file'}]`,
        };
      }
      if (part.type === 'tool' && part.state.status === 'completed') {
        const { attachments: _dropped, ...state } = part.state;
        return { ...part, state: { ...state, output: state.time.compacted ? state.output : cut(state.output) } };
      }
      if (part.type === 'tool' && part.state.status === 'error')
        return { ...part, state: { ...part.state, error: cut(part.state.error) } };
      return part;
    }),
  }));
}

/** The tail start written onto a compaction part, if any. */
export function tailStartOf(message: MessageWithParts): string | undefined {
  return compactionPartOf(loose(message))?.tail_start_id;
}
